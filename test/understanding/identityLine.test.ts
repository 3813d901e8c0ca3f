/**
 * The identity line parser, table-driven: company, person, phone and e-mail in any order and
 * style, Italian and English, and what the question being answered decides.
 */
import { describe, expect, it } from "vitest";
import { type IdentityQuestion, parseIdentityLine } from "../../src/understanding/identityLine.js";

type Row = [
  text: string,
  question: IdentityQuestion,
  expected: {
    company?: string | null;
    contactName?: string | null;
    phone?: string | null;
    email?: string | null;
    rest?: string | null;
  },
];

const rows: Row[] = [
  // An introduction with its verb, an article before it: "la ditta è …", "the company is …"
  [
    "La ditta è Ottica Verdi snc, referente Paolo Verdi",
    "company",
    { company: "Ottica Verdi snc", contactName: "Paolo Verdi" },
  ],
  [
    "The company is Brown Fashion, contact person Sarah Brown",
    "company",
    { company: "Brown Fashion", contactName: "Sarah Brown" },
  ],
  // An article without the verb is part of the name, not an introduction ("di Anna" is no company).
  ["Il Negozio di Anna", "company", { company: "Negozio di Anna", contactName: null }],
  // Italian, every order
  [
    "Ferramenta Neri, Giulia Neri, 333 123 4567",
    "company",
    { company: "Ferramenta Neri", contactName: "Giulia Neri", phone: "+393331234567", email: null },
  ],
  [
    "Giulia Neri, 333 123 4567, Ferramenta Neri",
    "company",
    { company: "Ferramenta Neri", contactName: "Giulia Neri", phone: "+393331234567" },
  ],
  [
    "333 1234567 - Giulia Neri - Ferramenta Neri",
    "company",
    { company: "Ferramenta Neri", contactName: "Giulia Neri", phone: "+393331234567" },
  ],
  [
    "Giulia Neri\nFerramenta Neri\n3331234567",
    "both",
    { company: "Ferramenta Neri", contactName: "Giulia Neri", phone: "+393331234567" },
  ],
  [
    "Sono Giulia Neri della Ferramenta Neri, il mio numero è 333 123 4567",
    "company",
    { company: "Ferramenta Neri", contactName: "Giulia Neri", phone: "+393331234567", rest: null },
  ],
  [
    "Ciao, sono Giulia di Ferramenta Neri",
    "company",
    { company: "Ferramenta Neri", contactName: "Giulia", phone: null },
  ],
  [
    "Buongiorno, sono Marco Bianchi della Pizzeria Vesuvio",
    "company",
    { company: "Pizzeria Vesuvio", contactName: "Marco Bianchi" },
  ],
  ["Mario Rossi - Bar Roma", "company", { company: "Bar Roma", contactName: "Mario Rossi" }],
  ["Bar Roma - Mario Rossi", "company", { company: "Bar Roma", contactName: "Mario Rossi" }],
  [
    "Mario Rossi presso Studio Bianchi, mario.rossi@studiobianchi.it",
    "company",
    { company: "Studio Bianchi", contactName: "Mario Rossi", email: "mario.rossi@studiobianchi.it" },
  ],
  [
    "Rossi Impianti S.r.l. - Luca Bianchi tel. +39 0586 123456",
    "company",
    { company: "Rossi Impianti S.r.l.", contactName: "Luca Bianchi", phone: "+390586123456" },
  ],
  [
    "azienda: Ottica Nuova\nnome: Anna Neri\ncell 3331234567",
    "both",
    { company: "Ottica Nuova", contactName: "Anna Neri", phone: "+393331234567" },
  ],
  [
    "1) Ottica Nuova\n2) Anna Neri, 333 1234567\n\nIl giorno lun 6 apr 2027 alle 11:00 Assistenza ha scritto:\n> Per aprire la richiesta",
    "both",
    { company: "Ottica Nuova", contactName: "Anna Neri", phone: "+393331234567", rest: null },
  ],
  [
    "Neri Giulia 3331234567",
    "contact",
    { contactName: "Neri Giulia", phone: "+393331234567", company: null },
  ],
  ["Gino Rossi, 333 123 4567", "contact", { contactName: "Gino Rossi", phone: "+393331234567" }],
  [
    "Mario Di Stefano, mario@example.it",
    "contact",
    { contactName: "Mario Di Stefano", email: "mario@example.it", company: null },
  ],
  ["mario di stefano", "contact", { contactName: "mario di stefano", company: null }],
  ["Pizzeria da Mario", "company", { company: "Pizzeria da Mario", contactName: null }],
  ["Farmacia Comunale 2", "company", { company: "Farmacia Comunale 2" }],
  [
    "D'Amico Anna, anna.damico@pec.example.it",
    "contact",
    { contactName: "D'Amico Anna", email: "anna.damico@pec.example.it" },
  ],
  [
    "tel 0586 123456 e-mail INFO@Hotel-Lido.example",
    "reach",
    { phone: "+390586123456", email: "info@hotel-lido.example" },
  ],
  // English
  [
    "I'm Tom Baker from Acme Ltd, tom@acme.example",
    "company",
    { company: "Acme Ltd", contactName: "Tom Baker", email: "tom@acme.example", phone: null },
  ],
  [
    "Acme Ltd - Tom Baker - +44 7911 123456",
    "company",
    { company: "Acme Ltd", contactName: "Tom Baker", phone: "+447911123456" },
  ],
  [
    "My name is Sarah Jones, I work for Green Cafe",
    "company",
    { company: "Green Cafe", contactName: "Sarah Jones" },
  ],
  ["This is Peter at Harbour Hotel", "company", { company: "Harbour Hotel", contactName: "Peter" }],
  ["Tom of Acme", "contact", { company: "Acme", contactName: "Tom" }],
  ["Smith Plumbing, John Smith", "company", { company: "Smith Plumbing", contactName: "John Smith" }],
  [
    "company: Blue Door\nname: Kate Hill\nphone: +44 7911 123456",
    "both",
    { company: "Blue Door", contactName: "Kate Hill", phone: "+447911123456" },
  ],
  // The question decides what a lone name is.
  ["Mario Rossi", "company", { company: "Mario Rossi", contactName: null }],
  ["Mario Rossi", "contact", { company: null, contactName: "Mario Rossi" }],
  [
    "Giulia Neri, 333 123 4567",
    "company",
    { company: "Giulia Neri", contactName: null, phone: "+393331234567" },
  ],
  ["Acme", "company", { company: "Acme" }],
  ["Giulia", "contact", { contactName: "Giulia" }],
  // Nothing to keep, or a sentence: no field.
  ["grazie", "contact", { company: null, contactName: null, rest: null }],
  ["boh", "company", { company: null, contactName: null }],
  [
    "il computer non si accende più da questa mattina e non so cosa fare",
    "company",
    { company: null, rest: "il computer non si accende più da questa mattina e non so cosa fare" },
  ],
  ["a che ora aprite?", "company", { company: null, contactName: null, rest: "a che ora aprite" }],
  [
    "giulia.neri@example.com",
    "reach",
    { email: "giulia.neri@example.com", contactName: null, company: null },
  ],
  // A number that is no valid phone stays in the rest, never a field.
  ["Giulia Neri, 12345", "contact", { contactName: "Giulia Neri", phone: null }],
];

describe("parseIdentityLine", () => {
  for (const [text, question, expected] of rows) {
    it(`${JSON.stringify(text)} at the ${question} question`, () => {
      const read = parseIdentityLine(text, { question });
      expect(read).toMatchObject(expected);
    });
  }

  it("lists what is missing", () => {
    expect(parseIdentityLine("Bar Roma", { question: "company" }).missing).toEqual([
      "contactName",
      "phone",
      "email",
    ]);
    expect(
      parseIdentityLine("Bar Roma, Mario, 333 123 4567, m@x.it", { question: "company" }).missing,
    ).toEqual([]);
  });

  it("reads numbers without a prefix in the region given", () => {
    expect(parseIdentityLine("Kate Hill 07911 123456", { question: "contact", region: "GB" }).phone).toBe(
      "+447911123456",
    );
    expect(parseIdentityLine("Giulia 333 123 4567", { question: "contact", region: "IT" }).phone).toBe(
      "+393331234567",
    );
  });

  it("takes a number written with its country code whenever its length is possible", () => {
    // A range the metadata does not list as assigned (the UK's 07700 900xxx), "+" or "00".
    expect(
      parseIdentityLine("Harbour Cafe, Kate Hill, +44 7700 900456", { question: "company" }),
    ).toMatchObject({ company: "Harbour Cafe", contactName: "Kate Hill", phone: "+447700900456" });
    expect(parseIdentityLine("Kate Hill, 0044 7700 900456", { question: "contact" }).phone).toBe(
      "+447700900456",
    );
    // Too short to be a number anywhere: not a phone.
    expect(parseIdentityLine("Kate Hill, +44 12", { question: "contact" }).phone).toBeNull();
  });

  it("keeps a second company in the rest, never overwriting the first", () => {
    const read = parseIdentityLine("Bar Roma, Hotel Lido, Mario Rossi", { question: "company" });
    expect(read).toMatchObject({ company: "Bar Roma", contactName: "Mario Rossi", rest: "Hotel Lido" });
  });
});
