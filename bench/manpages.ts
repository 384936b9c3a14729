/**
 * Debian's man pages as a second knowledge base nobody here wrote, for known-item questions: each
 * sampled page of man1 and man8 is rendered by groff (the established renderer) into a Markdown
 * note, its NAME section left out, and the one-line description from that section ("list directory
 * contents" for ls) becomes the question whose answer is the page. Nothing is tuned on these: they
 * check that changes made for other questions do not cost the notes' own words.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MAN = '/usr/share/man';
const SECTIONS = ['man1', 'man8'];

export interface ManQuestion {
  query: string;
  relPath: string;
}

export interface ManCorpus {
  pages: number;
  questions: ManQuestion[];
}

/** groff's plain-text rendering: no hyphenation, lines as long as the paragraph, no bold or underline. */
function render(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'zcat "$1" | groff -man -Tutf8 -rLL=5000n -rHY=0 -P-cbou 2>/dev/null', 'sh', file], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

/** The rendered page as a note without its NAME section, and the description that section gave. */
function toNote(title: string, rendered: string): { note: string; description: string } | undefined {
  const lines = rendered.split('\n').slice(1, -2);
  const out = [`# ${title}`, ''];
  let section = '';
  let description = '';
  for (const line of lines) {
    if (/^[A-Z][A-Z0-9 ,/&-]+$/.test(line.trim()) && !line.startsWith(' ')) {
      section = line.trim();
      if (section !== 'NAME') out.push('', `## ${section[0]}${section.slice(1).toLowerCase()}`, '');
      continue;
    }
    if (section === 'NAME') description += ` ${line.trim()}`;
    else out.push(line.trim());
  }
  const [, what] = description.trim().match(/^\S.*?\s[-‐−–]\s(.+)$/) ?? [];
  if (!what) return undefined;
  return { note: out.join('\n').replace(/\n{3,}/g, '\n\n'), description: what.trim() };
}

/**
 * Renders every `every`-th page (sorted by name) into `target` and returns the questions: the
 * descriptions of three words or more that name one page only.
 */
export async function manPageCorpus(target: string, every = 9): Promise<ManCorpus> {
  const files = SECTIONS.flatMap((section) =>
    readdirSync(join(MAN, section))
      .filter((name) => name.endsWith('.gz'))
      .sort()
      .map((name) => join(MAN, section, name)),
  ).filter((_, i) => i % every === 0);
  mkdirSync(target, { recursive: true });
  const described: ManQuestion[] = [];
  let pages = 0;
  // Two renderers at a time: these machines have two cores.
  for (let i = 0; i < files.length; i += 2) {
    const batch = files.slice(i, i + 2);
    const rendered = await Promise.all(batch.map(render));
    batch.forEach((file, k) => {
      const name = file.slice(file.lastIndexOf('/') + 1).replace(/\.gz$/, '');
      const page = toNote(name, rendered[k]!);
      if (!page) return;
      const relPath = `${name}.md`;
      writeFileSync(join(target, relPath), page.note);
      pages++;
      described.push({ query: page.description, relPath });
    });
  }
  const counts = new Map<string, number>();
  for (const q of described) counts.set(q.query.toLowerCase(), (counts.get(q.query.toLowerCase()) ?? 0) + 1);
  return { pages, questions: described.filter((q) => q.query.split(/\s+/).length >= 3 && counts.get(q.query.toLowerCase()) === 1) };
}
