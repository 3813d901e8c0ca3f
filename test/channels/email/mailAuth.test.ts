import { describe, expect, it } from "vitest";
import { checkMail, dmarcFromHeaders } from "../../../src/channels/email/mailAuth.js";
import { customerDomain, plainMail, signed } from "../../support/dkimMail.js";
import { fakeDns } from "../../support/fakeDns.js";

describe("mail authentication (mailauth, offline DNS)", () => {
  const key = customerDomain();
  const dns = fakeDns(key.dns);

  it("passes a mail DKIM-signed by the From domain", async () => {
    const mail = await signed(plainMail("Mario <mario@cliente.example>", "Stampante"), key);
    expect(await checkMail(mail, { mode: "check", resolver: dns.resolver })).toEqual({
      verified: true,
      dmarc: "pass",
    });
    expect(dns.asked).toContain("TXT mail._domainkey.cliente.example");
  });

  it("fails a forged From: unsigned, signed by another key, or altered after signing", async () => {
    const forged = plainMail("Mario <mario@cliente.example>", "Stampante", "Reply-To: attacker@evil.example");
    expect(await checkMail(forged, { mode: "check", resolver: dns.resolver })).toEqual({
      verified: false,
      dmarc: "fail",
    });
    const otherKey = { ...customerDomain(), dns: {} };
    const wrongKey = await signed(plainMail("Mario <mario@cliente.example>", "Stampante"), otherKey);
    expect((await checkMail(wrongKey, { mode: "check", resolver: dns.resolver })).verified).toBe(false);
    const good = await signed(plainMail("Mario <mario@cliente.example>", "Stampante"), key);
    const altered = Buffer.from(good.toString().replace("non stampa", "stampa"));
    expect((await checkMail(altered, { mode: "check", resolver: dns.resolver })).verified).toBe(false);
  });

  it("takes a domain without a DMARC policy as before (nothing tells it from a forgery)", async () => {
    const mail = plainMail("anna@senzadmarc.example", "Aiuto");
    expect(await checkMail(mail, { mode: "check", resolver: dns.resolver })).toEqual({
      verified: true,
      dmarc: "none",
    });
  });

  it("trusts only the receiving server's own Authentication-Results in mta mode", async () => {
    const head = [
      "Authentication-Results: mx.support.example;",
      "\tdkim=none; spf=softfail smtp.mailfrom=evil.example;",
      "\tdmarc=fail (p=reject) header.from=cliente.example",
      "Authentication-Results: mx.support.example; dmarc=pass header.from=cliente.example",
    ].join("\r\n");
    expect(dmarcFromHeaders(head, "mx.support.example")).toBe("fail");
    const forgedHeader = plainMail(
      "mario@cliente.example",
      "x",
      "Authentication-Results: evil.example; dmarc=pass",
    );
    expect(await checkMail(forgedHeader, { mode: "mta", servId: "mx.support.example" })).toEqual({
      verified: true,
      dmarc: "unchecked",
    });
    const failed = plainMail(
      "mario@cliente.example",
      "x",
      "Authentication-Results: mx.support.example; dmarc=fail header.from=cliente.example",
    );
    expect(await checkMail(failed, { mode: "mta", servId: "mx.support.example" })).toEqual({
      verified: false,
      dmarc: "fail",
    });
  });
});
