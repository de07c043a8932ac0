import { createInterface } from 'node:readline';

/** Asks on stderr and reads one line of stdin; only "yes" is a yes, and no answer (end of input) is a no. */
export function confirm(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
    let answered = false;
    process.stderr.write(question);
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim().toLowerCase() === 'yes');
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
  });
}
