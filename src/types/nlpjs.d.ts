/** The parts of nlp.js (https://github.com/axa-group/nlp.js) sportello uses; the packages ship no types. */
declare module "@nlpjs/lang-it" {
  export class StemmerIt {
    /** Normalises, tokenises and stems a text; `keepStops: false` drops the language's stop words. */
    tokenizeAndStem(text: string, keepStops?: boolean): string[];
    stemWord(word: string): string;
  }
}
declare module "@nlpjs/lang-en" {
  export class StemmerEn {
    tokenizeAndStem(text: string, keepStops?: boolean): string[];
    stemWord(word: string): string;
  }
}
declare module "@nlpjs/neural" {
  export interface TrainingItem {
    input: Record<string, number>;
    output: Record<string, number>;
  }
  export class NeuralNetwork {
    constructor(settings?: { log?: boolean; iterations?: number; learningRate?: number });
    /** Trains synchronously. */
    train(corpus: TrainingItem[]): { error: number; iterations: number };
    /** Scores per intent, or undefined before training. */
    run(input: Record<string, number>): Record<string, number> | undefined;
  }
}
