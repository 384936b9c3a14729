/**
 * TODO/FIXME/HACK clusters: one marker is a note, several in one file are a debt the code is
 * carrying. FIXME, HACK and XXX admit to something broken or fragile, so they weigh more.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReviewFinding } from '../../../protocol/review';
import type { ScannedFile } from '../scan';
import { isCode, type RepoFacts } from './facts';
import { finding, plural } from './finding';
import { isProductionFile } from './untested';

/** A marker that opens a comment (`// TODO: …`, `# FIXME(ann) …`, a block comment starting HACK); prose that mentions one does not count. */
const MARKER = /(?:\/\/|#|\/\*|^\s*\*|--|;|<!--)\s*(TODO|FIXME|HACK|XXX)\b/;
const CLUSTER = 3;
/** A marker that names its issue: `TODO(AJS-36)`, `FIXME #123`, `TODO(https://…/issues/4)`. */
const TRACKED = /\b[A-Z][A-Z0-9]+-\d+\b|#\d+\b|\/issues\/\d+/;
const WARNING = { total: 10, serious: 3 };
const MAX_REPORTED = 10;
const MAX_QUOTED = 4;
const MAX_QUOTE_CHARS = 80;
const READ_CONCURRENCY = 16;

export interface Marker {
  line: number;
  tag: string;
  text: string;
}

export function markersIn(source: string): Marker[] {
  const found: Marker[] = [];
  source.split('\n').forEach((text, index) => {
    const match = MARKER.exec(text);
    if (match)
      found.push({
        line: index + 1,
        tag: match[1]!,
        text: text
          .slice(match.index + match[0].length - match[1]!.length)
          .trim()
          .slice(0, MAX_QUOTE_CHARS),
      });
  });
  return found;
}

async function markersOf(root: string, files: ScannedFile[], signal?: AbortSignal): Promise<Map<string, Marker[]>> {
  const result = new Map<string, Marker[]>();
  for (let start = 0; start < files.length; start += READ_CONCURRENCY) {
    signal?.throwIfAborted();
    const batch = files.slice(start, start + READ_CONCURRENCY);
    const sources = await Promise.all(batch.map((file) => readFile(join(root, file.path), 'utf8').catch(() => '')));
    batch.forEach((file, index) => {
      const markers = markersIn(sources[index]!);
      if (markers.length >= CLUSTER) result.set(file.path, markers);
    });
  }
  return result;
}

export async function todoClusters(facts: RepoFacts, signal?: AbortSignal): Promise<ReviewFinding[]> {
  // A TODO list in a README is a plan, not a debt in the code.
  const code = facts.files.filter(isCode);
  const clusters = await markersOf(facts.root, code, signal);
  return [...clusters]
    .sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : 1))
    .slice(0, MAX_REPORTED)
    .map(([path, markers]) => {
      const serious = markers.filter((marker) => marker.tag !== 'TODO').length;
      const quoted = markers.slice(0, MAX_QUOTED).map((marker) => `line ${marker.line}: "${marker.text}"`);
      const more = markers.length > MAX_QUOTED ? ` and ${markers.length - MAX_QUOTED} more` : '';
      const tracked = markers.filter((marker) => TRACKED.test(marker.text)).length;
      const sure = tracked
        ? ` How sure: the markers are read exactly, but ${plural(tracked, 'of them names', 'of them name')} an issue, so that work is tracked already; whether the rest matter is the team's call.`
        : " How sure: the markers are read exactly; whether they still matter is the team's call.";
      return finding({
        file: path,
        line: markers[0]!.line,
        // Markers in tests, examples and scripts are worth knowing, not a warning about what ships.
        severity: (markers.length >= WARNING.total || serious >= WARNING.serious) && isProductionFile(path) ? 'warning' : 'information',
        kind: 'todo',
        certainty: 'heuristic',
        key: path,
        title: `${plural(markers.length, 'TODO/FIXME/HACK marker')} in ${path}`,
        why: `Unfinished work piles up here (${quoted.join('; ')}${more}).${serious ? ` ${plural(serious, 'of them admits', 'of them admit')} to something broken or fragile (FIXME/HACK/XXX).` : ''} Markers that stay become invisible, and the code around them is what breaks.${sure}`,
        fix: 'Resolve the FIXMEs and HACKs first; turn the TODOs that matter into tracked issues and delete the rest.',
      });
    });
}
