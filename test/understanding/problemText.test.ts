/**
 * `readsAsProblem`: a typed answer that describes a fault (sign-up keeps it as the problem instead
 * of taking it for a company or a name), and the names and short answers that do not.
 */
import { describe, expect, it } from "vitest";
import { readsAsProblem, splitAnswerAndProblem } from "../../src/understanding/problemText.js";

describe("readsAsProblem", () => {
  it.each([
    "la stampante non stampa più gli scontrini, sono fermo",
    "il registratore di cassa non si accende",
    "la cassa non va più",
    "errore sul pc della cassa",
    "my printer isn't printing and I'm stuck",
    "the till doesn't work",
    "the scanner is broken",
    "ho un problema con il programma da stamattina",
  ])("a fault: %s", (text) => {
    expect(readsAsProblem(text)).toBe(true);
  });

  it.each([
    "Bar Roma",
    "Errore Zero srl",
    "Ferramenta Neri, Giulia Neri, 333 123 4567",
    "Mario Rossi",
    "Cafe Milano, John Smith",
    "non lo so",
    "sì grazie",
    "pc bloccato",
  ])("not a fault description: %s", (text) => {
    expect(readsAsProblem(text)).toBe(false);
  });
});

describe("splitAnswerAndProblem", () => {
  it.each([
    ["Bar Roma, la cassa non va", "Bar Roma", "la cassa non va"],
    ["Mario Rossi - il pc non si accende da ieri", "Mario Rossi", "il pc non si accende da ieri"],
    ["Smith Hardware. The till doesn't work", "Smith Hardware", "The till doesn't work"],
  ])("%s", (text, answer, problem) => {
    expect(splitAnswerAndProblem(text)).toEqual({ answer, problem });
  });

  it.each([
    "ciao, la stampante non stampa più",
    "buongiorno, il registratore di cassa non si accende",
    "Ferramenta Neri, Giulia Neri, 333 123 4567",
    "la cassa non va, Bar Roma",
    "Bar Roma",
  ])("no answer and fault to part: %s", (text) => {
    expect(splitAnswerAndProblem(text)).toBeNull();
  });
});
