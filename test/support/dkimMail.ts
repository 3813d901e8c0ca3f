/**
 * Mails of a customer's domain for mail authentication tests: a DKIM key pair made in the test,
 * the domain's DNS records (DKIM key, DMARC p=reject) for the offline resolver, and signing.
 */
import { generateKeyPairSync } from "node:crypto";
import { dkimSign } from "mailauth/lib/dkim/sign.js";

/** A key pair of the customer's domain, made for this test, and its DNS records. */
export function customerDomain(domain = "cliente.example", selector = "mail") {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const p = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  return {
    domain,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    selector,
    dns: {
      [`${selector}._domainkey.${domain}`]: `v=DKIM1; k=rsa; p=${p}`,
      [`_dmarc.${domain}`]: "v=DMARC1; p=reject",
    },
  };
}

export function plainMail(from: string, subject: string, extra = "") {
  return Buffer.from(
    [
      `Received: from mx.attacker.example (mx.attacker.example [198.51.100.9]) by mx.support.example with ESMTP; Tue, 30 Mar 2027 10:00:00 +0200`,
      `From: ${from}`,
      "To: support@example.test",
      `Subject: ${subject}`,
      `Message-ID: <${Math.random().toString(36).slice(2)}@x>`,
      "Date: Tue, 30 Mar 2027 10:00:00 +0200",
      extra,
      "Content-Type: text/plain; charset=utf-8",
      "",
      "La stampante non stampa più.",
      "",
    ]
      .filter((l, i) => l !== "" || i > 6)
      .join("\r\n"),
  );
}

export async function signed(mail: Buffer, key: ReturnType<typeof customerDomain>) {
  const { signatures, errors } = await dkimSign(mail, {
    signatureData: [{ signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey }],
  });
  if (errors.length) throw new Error(`DKIM signing failed: ${JSON.stringify(errors)}`);
  return Buffer.concat([Buffer.from(signatures), mail]);
}
