/**
 * An offline DNS for mail authentication tests (the network edge): answers TXT lookups from a
 * table, and ENOTFOUND for everything else, as `dns.promises.resolve` does.
 */
export function fakeDns(txt: Record<string, string>) {
  const asked: string[] = [];
  const resolver = async (name: string, rrtype: string): Promise<unknown> => {
    asked.push(`${rrtype} ${name}`);
    const value = rrtype === "TXT" ? txt[name.toLowerCase()] : undefined;
    if (value === undefined)
      throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    // Long TXT records come in 255-character strings.
    return [value.match(/.{1,255}/g) ?? [""]];
  };
  return { resolver, asked };
}
