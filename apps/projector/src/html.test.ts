import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from './html.ts';

describe('html template', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `cart.<img src=x onerror="alert('x')">&`;
    expect(html`<td title="${name}">${name}</td>`.text).toBe(
      '<td title="cart.&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">' +
        'cart.&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</td>',
    );
  });

  it('keeps markup it built itself, joins lists and leaves out null', () => {
    const rows = ['a<b', 'c'].map((cell) => html`<li>${cell}</li>`);
    const list = html`<ul>
      ${rows}
    </ul>`;
    expect(list.text.replace(/\s+/g, '')).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
    expect(html`${null}${undefined}${3}${list}`.text).toBe(`3${list.text}`);
    expect(escapeHtml('plain')).toBe('plain');
  });
});
