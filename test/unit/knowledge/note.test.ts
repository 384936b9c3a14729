import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseNote, parsePlainText, type ParsedNote } from '../../../server/knowledge/ingest/note';
import { REPO } from '../../support/paths';

// The Obsidian Hub vault, a real 6,500-note vault kept beside the repository.
const VAULT = join(REPO, '..', 'shared', 'corpora', 'obsidian-hub');
const withoutVault = existsSync(VAULT) ? false : `the Obsidian Hub vault is not at ${VAULT}`;

function readVaultNote(relPath: string): string {
  return readFileSync(join(VAULT, relPath), 'utf8');
}

function allText(note: ParsedNote): string {
  return note.chunks.map((chunk) => chunk.text).join('\n');
}

describe('parseNote on real Obsidian Hub notes', { skip: withoutVault }, () => {
  it('reads aliases and nested tags, and leaves template comments out of the text', () => {
    const note = parseNote(readVaultNote('05 - Concepts/Maps of Content (MOC).md'), 'Maps of Content (MOC).md');
    assert.equal(note.title, 'Maps of Content (MOC)');
    assert.deepEqual(note.aliases, ['MOC', 'MOCs']);
    assert.deepEqual(note.tags, ['seedling', 'placeholder/description']);
    assert.doesNotMatch(allText(note), /Add a description|Hub footer|%%/);
  });

  it('drops the empty alias a note template leaves behind', () => {
    const note = parseNote(readVaultNote('05 - Concepts/PARA.md'), 'PARA.md');
    assert.deepEqual(note.aliases, []);
    assert.deepEqual(note.tags, ['seedling', 'placeholder/description']);
  });

  it('finds embeds of headings and links with display text', () => {
    const note = parseNote(readVaultNote('00 - Start here.md'), '00 - Start here.md');
    assert.deepEqual(note.links[0], { target: 'README', heading: 'What is the Obsidian Hub', embed: true });
    assert.ok(note.links.some((l) => l.target === '🗂️ 02.01 Plugins by Category' && l.alias === 'Plugin Categories' && !l.embed));
    assert.ok(note.links.some((l) => l.target === '🗂️ hub' && l.heading === 'MOC' && l.embed));
    const text = allText(note);
    assert.match(text, /README › What is the Obsidian Hub/);
    assert.match(text, /- Plugin Categories\n/);
    assert.doesNotMatch(text, /\[\[|!\[\[/);
  });

  it('drops a multi-line comment, and a tag written inside it is not a tag', () => {
    const note = parseNote(readVaultNote('04 - Guides, Workflows, & Courses/Community Talks/Obsidian 101.md'), 'Obsidian 101.md');
    assert.deepEqual(note.tags, ['seedling']);
    assert.doesNotMatch(allText(note), /<iframe|placeholder/);
    assert.match(allText(note), /Video coming soon!/);
  });

  it('turns a callout marker into text but keeps the one inside a code block verbatim', () => {
    const note = parseNote(readVaultNote('04 - Guides, Workflows, & Courses/Guides/Markdown Syntax.md'), 'Markdown Syntax.md');
    const callouts = note.chunks.find((chunk) => chunk.heading === 'Callouts');
    assert.ok(callouts);
    assert.match(callouts.text, /```markdown\n> \[!info\] Callout title\n> Content of callout\n```/);
    assert.match(callouts.text, /\nInfo: Callout title\n> Content of the callout/);
    assert.deepEqual(callouts.headingPath, ['Markdown Syntax', 'Introductory Readings', "Obsidian's Custom markdown syntax", 'Callouts']);
    // '`%% Comments %%`' is inline code: shown, not removed.
    assert.match(allText(note), /won't be rendered `%% Comments %%`/);
    assert.ok(note.tags.includes('tutorial'));
  });

  it('reports broken frontmatter in one line and still chunks the whole body', () => {
    const note = parseNote(readVaultNote('01 - Community/People/gapmiss.md'), 'gapmiss.md');
    assert.equal(note.frontmatterError, 'Plain value cannot start with reserved character @ (line 3)');
    assert.deepEqual(note.frontmatter, {});
    assert.equal(note.title, 'gapmiss');
    assert.deepEqual(
      note.chunks.map((chunk) => chunk.heading),
      ['@gapmiss', 'Plugins', 'This note in GitHub'],
    );
    assert.match(allText(note), /- Iconoir Icons\n/);
    // Block ids are not text, and neither are the template's HTML comments.
    assert.doesNotMatch(allText(note), /\^website|Sponsor this author/);
  });

  it('links to a heading of the same note are rendered but are not links to other notes', () => {
    const note = parseNote(readVaultNote('04 - Guides, Workflows, & Courses/Community Talks/Plugin Testing for Developers.md'), 'x.md');
    assert.match(allText(note), /a summary of the plugins reviewed:/);
    assert.ok(note.links.every((link) => link.target !== ''));
  });
});

describe('parseNote: frontmatter', () => {
  it('takes the title from the frontmatter, else the file name', () => {
    assert.equal(parseNote('---\ntitle: Real Title\n---\nbody', 'dir/file.md').title, 'Real Title');
    assert.equal(parseNote('body', 'dir\\sub/My Note.md').title, 'My Note');
    assert.equal(parseNote('body', 'notes.markdown').title, 'notes');
  });

  it('reads aliases as a string, a comma-separated string or a list', () => {
    assert.deepEqual(parseNote('---\naliases: One\n---\n', 'a.md').aliases, ['One']);
    assert.deepEqual(parseNote('---\naliases: One, Two\n---\n', 'a.md').aliases, ['One', 'Two']);
    assert.deepEqual(parseNote('---\nalias: [One, 2]\n---\n', 'a.md').aliases, ['One', '2']);
  });

  it('reads tags in every form Obsidian accepts and dedupes them ignoring case', () => {
    const source = '---\ntags: [Project, "#work/q1"]\ntag: a b, c\n---\nText #project and #Inline #a\n';
    assert.deepEqual(parseNote(source, 'a.md').tags, ['Project', 'work/q1', 'a', 'b', 'c', 'Inline']);
    assert.deepEqual(parseNote('---\ntags: "#one #two"\n---\n', 'a.md').tags, ['one', 'two']);
  });

  it('keeps the body when the YAML is broken or the block never closes', () => {
    const broken = parseNote('---\ntags: [a\n---\n# Heading\nBody #kept\n', 'a.md');
    assert.ok(broken.frontmatterError);
    assert.doesNotMatch(broken.frontmatterError, /\n/);
    assert.deepEqual(broken.tags, ['kept']);
    assert.equal(broken.chunks[0].text, 'Body #kept');
    const unclosed = parseNote('---\ntitle: x\nBody text\n', 'a.md');
    assert.equal(unclosed.frontmatterError, undefined);
    assert.match(allText(unclosed), /Body text/);
  });

  it('never puts the frontmatter into a chunk', () => {
    assert.doesNotMatch(allText(parseNote('---\nsecret: value\n---\nBody\n', 'a.md')), /secret/);
  });
});

describe('parseNote: tags', () => {
  it('extracts nested tags and tags in heading lines, with the note-level tags on every chunk', () => {
    const note = parseNote('---\ntags: top\n---\n# Plan #draft\nWork on #area/sub-topic today.\n## Next\nMore.\n', 'a.md');
    assert.deepEqual(note.tags, ['top', 'draft', 'area/sub-topic']);
    assert.deepEqual(note.chunks[0].tags, ['top', 'draft', 'area/sub-topic']);
    assert.deepEqual(note.chunks[1].tags, ['top']);
  });

  it('does not take numbers, code, URLs, anchors or link headings for tags', () => {
    const source = [
      'Year #1984 but #y1984, issue#12 and `#inline` code.',
      'See [docs](https://example.com/page#section), <https://example.com/#x>, https://example.com/#y',
      'Link [[Other#Heading]] and [anchor](#local).',
      '```',
      '#not-a-tag in code',
      '```',
      '    #indented-code',
    ].join('\n');
    assert.deepEqual(parseNote(source, 'a.md').tags, ['y1984']);
  });
});

describe('parseNote: links and text', () => {
  it('renders wikilinks readably and records target, heading, alias and embed', () => {
    const note = parseNote('See [[Note|shown]], [[Guide#Setup#Linux]], [[Page#^block-1]] and ![[diagram.png|300]].', 'a.md');
    assert.equal(note.chunks[0].text, 'See shown, Guide › Setup › Linux, Page and diagram.png.');
    assert.deepEqual(note.links, [
      { target: 'Note', alias: 'shown', embed: false },
      { target: 'Guide', heading: 'Setup#Linux', embed: false },
      { target: 'Page', heading: '^block-1', embed: false },
      { target: 'diagram.png', alias: '300', embed: true },
    ]);
  });

  it('keeps links inside code as code and does not record them', () => {
    const note = parseNote('Use `[[Name]]` like this:\n\n```md\n![[Embed]]\n```\n', 'a.md');
    assert.deepEqual(note.links, []);
    assert.equal(note.chunks[0].text, 'Use `[[Name]]` like this:\n\n```md\n![[Embed]]\n```');
  });

  it('reads a link written in a table with an escaped bar', () => {
    assert.deepEqual(parseNote('| a |\n|---|\n| [[Target\\|Shown]] |', 'a.md').links, [{ target: 'Target', alias: 'Shown', embed: false }]);
  });

  it('removes inline and multi-line comments but keeps the line numbers', () => {
    const note = parseNote('Before %% hidden %% after.\n%%\n# Not a heading\nsecret\n%%\n# Real\nBody', 'a.md');
    assert.equal(note.chunks[0].text, 'Before  after.');
    assert.deepEqual(
      note.chunks.map((chunk) => [chunk.heading, chunk.line]),
      [
        ['', 0],
        ['Real', 5],
      ],
    );
    assert.doesNotMatch(allText(note), /secret|hidden/);
  });

  it('treats %% inside code as text', () => {
    assert.equal(parseNote('```\na %% b\n```\nafter', 'a.md').chunks[0].text, '```\na %% b\n```\nafter');
  });

  it('turns callout markers into plain text, with and without a title', () => {
    const note = parseNote('> [!note] Remember this\n> body\n\n> [!warning]-\n> careful', 'a.md');
    assert.equal(note.chunks[0].text, 'Note: Remember this\n> body\n\nWarning\n> careful');
  });

  it('removes block ids at line ends', () => {
    assert.equal(parseNote('A paragraph. ^abc-1\n\n- item ^x2', 'a.md').chunks[0].text, 'A paragraph.\n\n- item');
  });
});

describe('parseNote: headings and chunks', () => {
  it('builds the breadcrumb from the enclosing headings and points each chunk at its heading line', () => {
    const note = parseNote('Intro\n# A\na\n## B\nb\n### C\nc\n## D\nd\n', 'Note.md');
    assert.deepEqual(
      note.chunks.map((chunk) => [chunk.headingPath, chunk.heading, chunk.line, chunk.text]),
      [
        [['Note'], '', 0, 'Intro'],
        [['Note', 'A'], 'A', 1, 'a'],
        [['Note', 'A', 'B'], 'B', 3, 'b'],
        [['Note', 'A', 'B', 'C'], 'C', 5, 'c'],
        [['Note', 'A', 'D'], 'D', 7, 'd'],
      ],
    );
  });

  it('does not repeat a first heading that is the title', () => {
    assert.deepEqual(
      parseNote('# Note\ntext\n## Part\nmore', 'Note.md').chunks.map((c) => c.headingPath),
      [['Note'], ['Note', 'Part']],
    );
  });

  it('counts line numbers from the top of the file, frontmatter included', () => {
    const note = parseNote('---\ntags: a\n---\n\n# First\nx\n', 'a.md');
    assert.equal(note.chunks[0].line, 4);
  });

  it('recognises setext headings and ignores headings inside code fences', () => {
    const note = parseNote('Title\n=====\ntext\n\n```sh\n# a comment, not a heading\n```\n\nSub\n---\nmore', 'a.md');
    assert.deepEqual(
      note.chunks.map((c) => [c.heading, c.line]),
      [
        ['Title', 0],
        ['Sub', 8],
      ],
    );
    assert.match(note.chunks[0].text, /# a comment, not a heading/);
  });

  it('gives empty sections no chunk, and a note with only headings one chunk with its title', () => {
    assert.deepEqual(
      parseNote('# A\n# B\nbody\n# C\n%% only a comment %%\n', 'n.md').chunks.map((c) => c.heading),
      ['B'],
    );
    const empty = parseNote('---\ntags: t\n---\n# A\n## B\n', 'Empty.md');
    assert.equal(empty.chunks.length, 1);
    assert.deepEqual([empty.chunks[0].headingPath, empty.chunks[0].text, empty.chunks[0].tags], [['Empty'], 'Empty', ['t']]);
    assert.equal(parseNote('', 'Blank.md').chunks[0].text, 'Blank');
  });

  it('handles Windows line endings and a byte order mark', () => {
    const note = parseNote('\uFEFF---\r\ntitle: T\r\n---\r\n# H\r\nline one\r\nline two\r\n', 'a.md');
    assert.equal(note.title, 'T');
    assert.deepEqual([note.chunks[0].line, note.chunks[0].text], [3, 'line one\nline two']);
  });
});

describe('parsePlainText', () => {
  it('packs paragraphs into chunks under the file name', () => {
    const note = parsePlainText('First paragraph.\n\n\n#not-a-tag second [[no link]].\n', 'folder/readme.txt', { maxChunkChars: 30 });
    assert.equal(note.title, 'readme');
    assert.deepEqual(note.tags, []);
    assert.deepEqual(note.links, []);
    assert.deepEqual(
      note.chunks.map((c) => [c.headingPath, c.heading, c.line, c.text]),
      [
        [['readme'], '', 0, 'First paragraph.'],
        [['readme'], '', 3, '#not-a-tag second [[no link]].'],
      ],
    );
  });
});
