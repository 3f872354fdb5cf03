export interface DomainConfig {
  /**
   * The store's one currency (ISO 4217 code); events carrying another `currency` are rejected.
   * @default 'PLN'
   */
  currency: string;
}

export const DEFAULT_DOMAIN_CONFIG: DomainConfig = Object.freeze({ currency: 'PLN' });

export function resolveDomainConfig(config?: Partial<DomainConfig>): DomainConfig {
  return config?.currency === undefined ? DEFAULT_DOMAIN_CONFIG : { currency: config.currency };
}
