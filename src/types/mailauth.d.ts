/** The parts of mailauth (https://github.com/postalsys/mailauth) sportello uses; the package ships no types. */
declare module "mailauth" {
  /** Looks up DNS records as `dns.promises.resolve` does (TXT: arrays of strings); throws ENOTFOUND/ENODATA. */
  export type Resolver = (name: string, rrtype: string) => Promise<unknown>;
  export interface AuthResult {
    dmarc?: { status?: { result?: string }; domain?: string; policy?: string } | false;
    dkim?: { results?: { signingDomain?: string; status?: { result?: string; aligned?: string | false } }[] };
    spf?: { status?: { result?: string }; domain?: string } | false;
    headers?: string;
  }
  export function authenticate(
    input: Buffer | string,
    options: {
      resolver?: Resolver;
      trustReceived?: boolean;
      ip?: string;
      helo?: string;
      sender?: string;
      mta?: string;
      disableArc?: boolean;
      disableBimi?: boolean;
    },
  ): Promise<AuthResult>;
}
declare module "mailauth/lib/dkim/sign.js" {
  export function dkimSign(
    input: Buffer | string,
    options: {
      canonicalization?: string;
      signatureData: { signingDomain: string; selector: string; privateKey: string; algorithm?: string }[];
    },
  ): Promise<{ signatures: string; errors: unknown[] }>;
}
