import { createInterface } from 'node:readline/promises';

/** Asks a yes/no question on the terminal; only "y" or "yes" is a yes. The caller checks stdin is a TTY. */
export async function askYesNo(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}
