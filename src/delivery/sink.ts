import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Document } from './ledger.js';
import { ResponseDocument, SafetySignal } from '../survey/payload.js';
import type { Delivery } from './port.js';

const FILES = { response: 'responses.jsonl', safety: 'safety.jsonl' } as const;

/**
 * The embedded default without Redis: each document becomes one line of a JSONL file, which is itself the
 * hand-off (so everything in it counts as delivered). One append of one complete line, flushed to disk before
 * the promise resolves, so a crash leaves whole lines only and the respondent is thanked only after the fsync.
 */
export class FileSink implements Delivery {
  private ids: Promise<Set<string>> | undefined;

  constructor(private readonly dataDir = 'data') {}

  async enqueueResponse(doc: ResponseDocument): Promise<void> {
    await this.append(FILES.response, ResponseDocument.parse(doc));
  }

  async enqueueSafety(signal: SafetySignal): Promise<void> {
    await this.append(FILES.safety, SafetySignal.parse(signal));
  }

  async listFor(pseudonym: string): ReturnType<Delivery['listFor']> {
    const docs = await this.readAll();
    return docs
      .filter((d) => d.respondent.pseudonym === pseudonym)
      .map((d) => ({ id: d.id, type: d.type, state: 'delivered' as const, at: 'at' in d ? d.at : d.completedAt }));
  }

  /** Nothing waits in a file sink: every line is already handed over. */
  async forget(pseudonym: string): Promise<{ removed: number; alreadySent: number }> {
    return { removed: 0, alreadySent: (await this.listFor(pseudonym)).length };
  }

  async close(): Promise<void> {}

  /** Dedupe by id: ids already in the files (read once) and those appended by this process. */
  private async append(file: string, doc: Document): Promise<void> {
    const ids = await (this.ids ??= this.readAll().then((docs) => new Set(docs.map((d) => d.id))));
    if (ids.has(doc.id)) return;
    ids.add(doc.id);
    try {
      await mkdir(this.dataDir, { recursive: true });
      const handle = await open(join(this.dataDir, file), 'a');
      try {
        await handle.appendFile(`${JSON.stringify(doc)}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      ids.delete(doc.id);
      throw err;
    }
  }

  private async readAll(): Promise<Document[]> {
    const texts = await Promise.all(Object.values(FILES).map((file) => readFile(join(this.dataDir, file), 'utf8').catch(missingAsEmpty)));
    return texts.flatMap((text) => text.split('\n').flatMap(parseLine));
  }
}

/** A line torn by a power cut is not a document; skipping it keeps the sink usable. */
function parseLine(line: string): Document[] {
  try {
    return line === '' ? [] : [JSON.parse(line) as Document];
  } catch {
    return [];
  }
}

function missingAsEmpty(err: unknown): string {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
  throw err;
}
