#!/usr/bin/env node
// The installed `checkout-projector` command: the built daemon (`pnpm build` writes dist/).
// A committed file rather than dist/main.js itself, so that installing the workspace can link
// the command before anything is built (pnpm warned "Failed to create bin" otherwise).
await import('../dist/main.js');
