import process from 'node:process';
import { CliError, EXIT } from './cli-error.js';

/**
 * A password or secret, read from standard input, never from the command
 * line: arguments land in shell history and in every `ps` listing. Piped
 * input is read to its end (one trailing newline dropped); at a terminal the
 * person types it without echo.
 */
export async function readSecretInput(what: string): Promise<string> {
  const stdin = process.stdin;
  const value = stdin.isTTY ? await promptHidden(`${what}: `) : await readAll(stdin);
  if (value.length === 0) {
    throw new CliError(`no ${what} given`, EXIT.usage, `pipe it on standard input, e.g. printf '%s' "$PASSWORD" | pnpm gatehouse …`);
  }
  return value;
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  let value = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (chunk: string) => {
        for (const character of chunk) {
          if (character === '\r' || character === '\n') {
            stdin.off('data', onData);
            resolve(value);
            return;
          }
          if (character === '\u0003') {
            stdin.off('data', onData);
            reject(new CliError('cancelled', EXIT.failed));
            return;
          }
          value = character === '\u007f' ? value.slice(0, -1) : value + character;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
