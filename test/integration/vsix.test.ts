/**
 * Each platform's VSIX from `npm run package` holds exactly that platform's native files: its
 * better-sqlite3 addon, sqlite-vec extension, ONNX runtime and whisper.cpp addon, told apart by their headers (ELF
 * e_machine, Mach-O cputype, PE machine), not their names, with the libraries each links against
 * beside it, and nothing built for another platform. Only linux-x64 can run here: its packaged
 * better-sqlite3 and sqlite-vec answer a vec0 query and its packaged onnxruntime runs the Silero
 * model, in a Node 24 child that loads nothing native from node_modules, and its packaged local
 * recognizer's process transcribes a turn with the packaged whisper.cpp addon. The other platforms are
 * verified by their contents only, except darwin-x64's WebAssembly runtime, which runs anywhere.
 */
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, it } from 'node:test';
import yauzl from 'yauzl';
import type { WorkerReply, WorkerRequest } from '../../server/providers/stt/whisper/protocol';
import { DIST, REPO, tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { writeEmptyWhisperModel } from '../support/whisperModel';

type Format = 'elf' | 'macho' | 'pe';
type Arch = 'x64' | 'arm64';

interface Target {
  format: Format;
  arch: Arch;
  sqliteVec: string;
  /** The ONNX runtime's files in dist/native/onnxruntime/<target>/; none where onnxruntime-web runs the VAD. */
  onnxruntime: string[];
}

const TARGETS: Record<string, Target> = {
  'linux-x64': { format: 'elf', arch: 'x64', sqliteVec: 'sqlite-vec-linux-x64/vec0.so', onnxruntime: ['onnxruntime_binding.node', 'libonnxruntime.so.1'] },
  'linux-arm64': {
    format: 'elf',
    arch: 'arm64',
    sqliteVec: 'sqlite-vec-linux-arm64/vec0.so',
    onnxruntime: ['onnxruntime_binding.node', 'libonnxruntime.so.1'],
  },
  'darwin-x64': { format: 'macho', arch: 'x64', sqliteVec: 'sqlite-vec-darwin-x64/vec0.dylib', onnxruntime: [] },
  'darwin-arm64': {
    format: 'macho',
    arch: 'arm64',
    sqliteVec: 'sqlite-vec-darwin-arm64/vec0.dylib',
    onnxruntime: ['onnxruntime_binding.node', 'libonnxruntime.1.dylib'],
  },
  'win32-x64': { format: 'pe', arch: 'x64', sqliteVec: 'sqlite-vec-windows-x64/vec0.dll', onnxruntime: ['onnxruntime_binding.node', 'onnxruntime.dll'] },
  'win32-arm64': { format: 'pe', arch: 'arm64', sqliteVec: 'sqlite-vec-windows-arm64/vec0.dll', onnxruntime: ['onnxruntime_binding.node', 'onnxruntime.dll'] },
};

const NATIVE = 'extension/dist/native/';
const BUNDLES = [
  'extension.js',
  'lspClient.js',
  'server.js',
  'repoWorker.js',
  'whisperWorker.js',
  'webview/panel.js',
  'webview/sidebar.js',
  'webview/claude-session.js',
  'webview/worklet.js',
  'webview/capture-page.js',
];
const WEB_RUNTIME = ['onnxruntime-web/ort-wasm-simd-threaded.mjs', 'onnxruntime-web/ort-wasm-simd-threaded.wasm'];
/** Libraries every machine of the platform has; anything else an addon links against must ship beside it. */
const SYSTEM_LIBRARY: Record<Format, RegExp> = {
  // whisper.cpp's linux-x64 addon also links GCC's OpenMP runtime, which desktop Linux has (libgomp1); the recognizer says so where it is missing.
  elf: /^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libgomp\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])$/,
  macho: /^\/usr\/lib\/|^\/System\/Library\//,
  pe: /^(api-ms-win-.*|kernel32|user32|advapi32|shell32|setupapi|dbghelp|msvcp140(_1|_atomic_wait)?|vcruntime140(_1)?)\.dll$/i,
};

function readVsix(path: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

interface Binary {
  format: Format;
  /** The machine the header names, or what it is when it is none of Parley's (32-bit, big-endian, fat). */
  arch: Arch | string;
  /** The libraries it links against: ELF NEEDED, Mach-O LC_LOAD_DYLIB, PE imports (not delay-loaded ones). */
  links: string[];
}

const cString = (buf: Buffer, at: number) => buf.toString('latin1', at, buf.indexOf(0, at));

function elf(buf: Buffer): Binary {
  if (buf[4] !== 2 || buf[5] !== 1) return { format: 'elf', arch: 'not 64-bit little-endian', links: [] };
  const machine = buf.readUInt16LE(0x12);
  const [phoff, phsize, phnum] = [Number(buf.readBigUInt64LE(0x20)), buf.readUInt16LE(0x36), buf.readUInt16LE(0x38)];
  const headers = Array.from({ length: phnum }, (_, i) => {
    const at = phoff + i * phsize;
    return {
      type: buf.readUInt32LE(at),
      offset: Number(buf.readBigUInt64LE(at + 8)),
      vaddr: Number(buf.readBigUInt64LE(at + 16)),
      size: Number(buf.readBigUInt64LE(at + 32)),
    };
  });
  const fileOffset = (vaddr: number) => {
    const load = headers.find((h) => h.type === 1 && vaddr >= h.vaddr && vaddr < h.vaddr + h.size)!;
    return vaddr - load.vaddr + load.offset;
  };
  const dynamic = headers.find((h) => h.type === 2);
  const entries: [number, number][] = [];
  for (let at = dynamic?.offset ?? 0; dynamic && at < dynamic.offset + dynamic.size; at += 16)
    entries.push([Number(buf.readBigInt64LE(at)), Number(buf.readBigUInt64LE(at + 8))]);
  const strtab = entries.find(([tag]) => tag === 5)?.[1];
  const links = strtab === undefined ? [] : entries.filter(([tag]) => tag === 1).map(([, name]) => cString(buf, fileOffset(strtab) + name));
  return { format: 'elf', arch: machine === 0x3e ? 'x64' : machine === 0xb7 ? 'arm64' : `e_machine ${machine}`, links };
}

function macho(buf: Buffer): Binary {
  if (buf.readUInt32BE(0) === 0xcafebabe) return { format: 'macho', arch: 'fat (several architectures)', links: [] };
  const cputype = buf.readUInt32LE(4);
  const links: string[] = [];
  for (let i = 0, at = 32; i < buf.readUInt32LE(16); i++, at += buf.readUInt32LE(at + 4)) {
    if (buf.readUInt32LE(at) === 0xc) links.push(cString(buf, at + buf.readUInt32LE(at + 8)));
  }
  return { format: 'macho', arch: cputype === 0x01000007 ? 'x64' : cputype === 0x0100000c ? 'arm64' : `cputype ${cputype}`, links };
}

function pe(buf: Buffer): Binary {
  const header = buf.readUInt32LE(0x3c);
  const machine = buf.readUInt16LE(header + 4);
  const [sections, optionalSize, optional] = [buf.readUInt16LE(header + 6), buf.readUInt16LE(header + 20), header + 24];
  const directories = optional + (buf.readUInt16LE(optional) === 0x20b ? 112 : 96);
  const table = Array.from({ length: sections }, (_, i) => optional + optionalSize + i * 40).map((at) => ({
    va: buf.readUInt32LE(at + 12),
    size: buf.readUInt32LE(at + 8),
    raw: buf.readUInt32LE(at + 20),
  }));
  const fileOffset = (rva: number) => {
    const section = table.find((s) => rva >= s.va && rva < s.va + s.size)!;
    return rva - section.va + section.raw;
  };
  const links: string[] = [];
  const imports = buf.readUInt32LE(directories + 8);
  for (let at = imports && fileOffset(imports); imports && buf.readUInt32LE(at + 12); at += 20) links.push(cString(buf, fileOffset(buf.readUInt32LE(at + 12))));
  return { format: 'pe', arch: machine === 0x8664 ? 'x64' : machine === 0xaa64 ? 'arm64' : `machine ${machine.toString(16)}`, links };
}

/** What a file's first bytes say it is: a native binary, or undefined (text, WebAssembly, fonts, the model). */
function inspect(buf: Buffer): Binary | undefined {
  if (buf.length < 64) return undefined;
  if (buf.readUInt32BE(0) === 0x7f454c46) return elf(buf);
  if ([0xcffaedfe, 0xcefaedfe, 0xcafebabe].includes(buf.readUInt32BE(0))) return macho(buf);
  if (buf.toString('latin1', 0, 2) === 'MZ' && buf.toString('latin1', buf.readUInt32LE(0x3c), buf.readUInt32LE(0x3c) + 4) === 'PE\0\0') return pe(buf);
  return undefined;
}

const isWasm = (buf: Buffer) => buf.subarray(0, 4).equals(Buffer.from([0, 0x61, 0x73, 0x6d]));

function expectedNatives(name: string, target: Target): string[] {
  return [
    `better-sqlite3/${name}.node`,
    target.sqliteVec,
    ...target.onnxruntime.map((file) => `onnxruntime/${name}/${file}`),
    `whisper/${name}/index.node`,
  ].sort();
}

async function openVsix(name: string): Promise<Map<string, Buffer>> {
  const path = join(DIST, `parley-${name}.vsix`);
  assert.ok(existsSync(path), `${path} is missing: run npm run package`);
  return readVsix(path);
}

function unpack(files: Map<string, Buffer>, dir: string): void {
  for (const [name, content] of files) {
    mkdirSync(join(dir, dirname(name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/** Runs `check` on linux-x64's VSIX unpacked into a temporary folder, given that folder and its dist/native. */
async function inLinuxVsix(check: (unpacked: string, native: string) => Promise<void>): Promise<void> {
  const dir = tempDir('vsix');
  try {
    unpack(await openVsix('linux-x64'), dir.path);
    await check(dir.path, join(dir.path, NATIVE));
  } finally {
    dir.cleanup();
  }
}

describe('platform VSIXes', { timeout: 120_000 }, () => {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string; main: string };

  for (const [name, target] of Object.entries(TARGETS)) {
    describe(name, () => {
      it(`holds ${name}'s native files and nobody else's, each built for ${target.format} ${target.arch}`, async () => {
        const files = await openVsix(name);
        const binaries = [...files].flatMap(([path, content]) => {
          const binary = inspect(content);
          return binary ? [{ path, ...binary }] : [];
        });
        assert.deepEqual(binaries.map((b) => b.path.slice(NATIVE.length)).sort(), expectedNatives(name, target));
        for (const binary of binaries) {
          assert.equal(`${binary.format} ${binary.arch}`, `${target.format} ${target.arch}`, binary.path);
          const beside = new Set([...files.keys()].filter((path) => posix.dirname(path) === posix.dirname(binary.path)).map((path) => posix.basename(path)));
          const unmet = binary.links.filter((link) => !SYSTEM_LIBRARY[target.format].test(link) && !beside.has(posix.basename(link)));
          assert.deepEqual(unmet, [], `${binary.path} links against libraries the VSIX does not have beside it`);
        }
        const others = Object.keys(TARGETS).filter((other) => other !== name);
        assert.deepEqual(
          [...files.keys()].filter((path) => others.some((other) => path.includes(other))),
          [],
          'paths named after another platform',
        );
      });

      it('says its target in the manifest and carries the bundles, model and grammars', async () => {
        const files = await openVsix(name);
        assert.match(files.get('extension.vsixmanifest')!.toString('utf8'), new RegExp(`<Identity [^>]*TargetPlatform="${name}"`));
        const packaged = JSON.parse(files.get('extension/package.json')!.toString('utf8')) as typeof manifest & { __metadata?: unknown };
        assert.deepEqual([packaged.name, packaged.version, packaged.main], [manifest.name, manifest.version, manifest.main]);
        // vsce writes the target into the manifest only; VS Code adds __metadata when it installs from the gallery.
        assert.equal(packaged.__metadata, undefined);
        for (const bundle of BUNDLES) assert.ok(files.get(`extension/dist/${bundle}`)?.length, `extension/dist/${bundle}`);
        assert.ok(files.get(`${NATIVE}silero/silero_vad_v5.onnx`)?.length);
        const wasm = [...files].filter(([, content]) => isWasm(content)).map(([path]) => path.slice(NATIVE.length));
        assert.ok(wasm.includes('tree-sitter/web-tree-sitter.wasm'), 'the tree-sitter runtime');
        assert.equal(wasm.includes(WEB_RUNTIME[1]!), target.onnxruntime.length === 0, 'onnxruntime-web ships exactly where onnxruntime-node has no build');
      });
    });
  }

  it(
    'linux-x64: the packaged better-sqlite3 and sqlite-vec answer a vec0 query and the packaged onnxruntime runs the Silero model',
    { skip: process.platform !== 'linux' || process.arch !== 'x64' },
    () =>
      inLinuxVsix(async (unpacked, native) => {
        // onnxruntime-node's JavaScript, with its bin/ made of the VSIX's files, so the addon and the
        // library it finds by RUNPATH are the packaged ones.
        const ort = join(unpacked, 'ort', 'onnxruntime-node');
        cpSync(join(REPO, 'node_modules', 'onnxruntime-node', 'dist'), join(ort, 'dist'), { recursive: true });
        cpSync(join(REPO, 'node_modules', 'onnxruntime-node', 'package.json'), join(ort, 'package.json'));
        cpSync(join(native, 'onnxruntime', 'linux-x64'), join(ort, 'bin', 'napi-v6', 'linux', 'x64'), { recursive: true });
        const child = spawnSync(process.execPath, ['-e', LINUX_CHILD], {
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            NODE_PATH: join(REPO, 'node_modules'),
            NATIVE: native,
            ORT: ort,
            BETTER_SQLITE3: join(REPO, 'node_modules', 'better-sqlite3'),
          },
        });
        assert.equal(child.status, 0, child.stderr);
        const result = JSON.parse(child.stdout) as { node: string; vecVersion: string; nearest: number[]; probability: number; mapped: string[] };
        assert.ok(Number(result.node.split('.')[0]) >= 22, `Node ${result.node}`);
        assert.equal(result.vecVersion, `v${JSON.parse(readFileSync(join(REPO, 'node_modules', 'sqlite-vec', 'package.json'), 'utf8')).version}`);
        assert.deepEqual(result.nearest, [2, 3]);
        assert.ok(result.probability >= 0 && result.probability < 0.5, `silence scored ${result.probability}`);
        // Every native library of Parley's that the child mapped came from the unpacked VSIX.
        const names = ['linux-x64.node', 'vec0.so', 'onnxruntime_binding.node', 'libonnxruntime.so.1'];
        assert.deepEqual(
          names.map((file) => result.mapped.filter((path) => path.endsWith(`/${file}`)).map((path) => path.startsWith(unpacked))),
          names.map(() => [true]),
        );
      }),
  );

  it(
    "linux-x64: the packaged local recognizer's process loads the packaged whisper.cpp addon and transcribes a turn",
    { skip: process.platform !== 'linux' || process.arch !== 'x64' },
    () =>
      inLinuxVsix(async (unpacked, native) => {
        const model = writeEmptyWhisperModel(join(unpacked, 'ggml-test.bin'));
        const child = fork(join(unpacked, 'extension/dist/whisperWorker.js'), [native, '1'], {
          execArgv: [],
          serialization: 'advanced',
          stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
          env: { PATH: process.env.PATH },
        });
        try {
          const replies: WorkerReply[] = [];
          child.on('message', (reply: WorkerReply) => replies.push(reply));
          child.send({ type: 'load', model } satisfies WorkerRequest);
          child.send({ type: 'transcribe', id: 1, model, pcm: new Uint8Array(32_000) } satisfies WorkerRequest);
          const result = await waitFor(() => replies.find((reply) => reply.type === 'result' || reply.type === 'error'), {
            timeoutMs: 30_000,
            what: 'the turn',
          });
          assert.deepEqual(result, { type: 'result', id: 1, text: '' });
          const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
          assert.ok(maps.includes(join(native, 'whisper', 'linux-x64', 'index.node')), 'the addon mapped is the packaged one');
        } finally {
          child.kill('SIGKILL');
        }
      }),
  );

  it('darwin-x64: the packaged onnxruntime-web files run the Silero model (WebAssembly runs on any platform)', async () => {
    const dir = tempDir('vsix');
    try {
      unpack(await openVsix('darwin-x64'), dir.path);
      const child = spawnSync(process.execPath, ['-e', WEB_CHILD], {
        encoding: 'utf8',
        timeout: 60_000,
        cwd: REPO,
        env: { PATH: process.env.PATH, NATIVE: join(dir.path, NATIVE) },
      });
      assert.equal(child.status, 0, child.stderr);
      const result = JSON.parse(child.stdout) as { probability: number };
      assert.ok(result.probability >= 0 && result.probability < 0.5, `silence scored ${result.probability}`);
    } finally {
      dir.cleanup();
    }
  });
});

/** One 576-sample Silero input (64 of context, one 512-sample frame) of silence; prints its probability. */
const SILERO_FRAME = `
  const run = async (ort, model) => {
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const out = await session.run({
      input: new ort.Tensor('float32', new Float32Array(576), [1, 576]),
      state: new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]),
      sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
    });
    return out.output.data[0];
  };`;

const LINUX_CHILD = `${SILERO_FRAME}
  const { join } = require('node:path');
  const native = process.env.NATIVE;
  const Database = require(process.env.BETTER_SQLITE3);
  const db = new Database(':memory:', { nativeBinding: join(native, 'better-sqlite3', 'linux-x64.node') });
  db.loadExtension(join(native, 'sqlite-vec-linux-x64', 'vec0.so'));
  db.exec('CREATE VIRTUAL TABLE v USING vec0 (id INTEGER PRIMARY KEY, embedding float[3] distance_metric=cosine, visibility TEXT)');
  const insert = db.prepare('INSERT INTO v (id, embedding, visibility) VALUES (?, ?, ?)');
  [[1, [1, 0, 0], 'private'], [2, [0, 1, 0.1], 'shared'], [3, [0, 0, 1], 'shared'], [4, [0, 1, 0], 'private']]
    .forEach(([id, vector, visibility]) => insert.run(BigInt(id), Buffer.from(new Float32Array(vector).buffer), visibility));
  const query = Buffer.from(new Float32Array([0, 1, 0]).buffer);
  const nearest = db.prepare("SELECT id FROM v WHERE embedding MATCH ? AND k = 2 AND visibility = 'shared' ORDER BY distance").all(query).map((row) => row.id);
  const vecVersion = db.prepare('SELECT vec_version() AS v').get().v;
  run(require(process.env.ORT), join(native, 'silero', 'silero_vad_v5.onnx')).then((probability) => {
    const mapped = [...new Set(require('node:fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').map((line) => line.split(/\\s+/)[5]).filter(Boolean))];
    process.stdout.write(JSON.stringify({ node: process.versions.node, vecVersion, nearest, probability, mapped }));
  }, (error) => { console.error(error); process.exit(1); });
`;

const WEB_CHILD = `${SILERO_FRAME}
  const { join, sep } = require('node:path');
  const ort = require('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = require('node:url').pathToFileURL(join(process.env.NATIVE, 'onnxruntime-web') + sep).href;
  run(ort, join(process.env.NATIVE, 'silero', 'silero_vad_v5.onnx')).then(
    (probability) => process.stdout.write(JSON.stringify({ probability })),
    (error) => { console.error(error); process.exit(1); },
  );
`;
