/**
 * Review findings the user dismissed ("not a problem"), per repository, by the finding's stable
 * id: the next review of that repository leaves them out and says how many it left out, until the
 * user restores them. One JSON file in the review's storage folder, written atomically; a file
 * that cannot be read is kept aside under another name (nothing is lost) and the list starts empty.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { ReviewFinding } from '../../../protocol/review';

const DismissedSchema = z.object({ title: z.string(), file: z.string(), at: z.number() });
const FileSchema = z.object({ version: z.literal(1), repositories: z.record(z.string(), z.record(z.string(), DismissedSchema)) });

export type Dismissed = z.infer<typeof DismissedSchema> & { id: string };

export class Dismissals {
  private readonly path: string;

  constructor(
    private readonly dir: string,
    private readonly onDamaged?: (message: string) => void,
  ) {
    this.path = join(dir, 'dismissed-findings.json');
  }

  /** The ids dismissed in the repository at `root`. */
  ids(root: string): Set<string> {
    return new Set(Object.keys(this.load().repositories[root] ?? {}));
  }

  list(root: string): Dismissed[] {
    return Object.entries(this.load().repositories[root] ?? {})
      .map(([id, entry]) => ({ id, ...entry }))
      .sort((a, b) => b.at - a.at);
  }

  dismiss(root: string, finding: Pick<ReviewFinding, 'id' | 'title' | 'file'>): void {
    const data = this.load();
    data.repositories[root] = { ...data.repositories[root], [finding.id]: { title: finding.title, file: finding.file, at: Date.now() } };
    this.save(data);
  }

  /** Brings back the given ids (all of the repository's when none are given); returns how many came back. */
  restore(root: string, ids?: readonly string[]): number {
    const data = this.load();
    const entries = data.repositories[root] ?? {};
    const restored = (ids ?? Object.keys(entries)).filter((id) => id in entries);
    for (const id of restored) delete entries[id];
    if (Object.keys(entries).length === 0) delete data.repositories[root];
    this.save(data);
    return restored.length;
  }

  /** Read each time: the file is small, and another window on the same storage may have changed it. */
  private load(): z.infer<typeof FileSchema> {
    let text: string | undefined;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      // No file yet: nothing dismissed.
    }
    if (text !== undefined) {
      let parsed: ReturnType<typeof FileSchema.safeParse> | undefined;
      try {
        parsed = FileSchema.safeParse(JSON.parse(text));
      } catch {
        // Not JSON: handled below like a file of the wrong shape.
      }
      if (parsed?.success) return parsed.data;
      const aside = `${this.path}.damaged-${Date.now()}`;
      renameSync(this.path, aside);
      this.onDamaged?.(`The list of dismissed review findings could not be read; it was kept as ${aside} and the list starts empty.`);
    }
    return { version: 1, repositories: {} };
  }

  private save(data: z.infer<typeof FileSchema>): void {
    mkdirSync(this.dir, { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(data, null, 1));
    renameSync(temporary, this.path);
  }
}
