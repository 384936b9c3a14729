/** The tag query for each parsed language. */
import type { ParsedLanguage } from '../../languages';
import { C_CPP } from './c';
import { CSHARP } from './csharp';
import { GO } from './go';
import { JAVA } from './java';
import { JAVASCRIPT } from './javascript';
import { PHP } from './php';
import { PYTHON } from './python';
import { RUBY } from './ruby';
import { RUST } from './rust';
import { TSX, TYPESCRIPT } from './typescript';

export const TAG_QUERIES: Record<ParsedLanguage, string> = {
  typescript: TYPESCRIPT,
  tsx: TSX,
  javascript: JAVASCRIPT,
  python: PYTHON,
  go: GO,
  rust: RUST,
  java: JAVA,
  c: C_CPP,
  cpp: C_CPP,
  csharp: CSHARP,
  ruby: RUBY,
  php: PHP,
};

/** Bumped whenever a query or what is extracted changes, so cached symbols from older queries are not reused (2: definitions' end lines, 3: imports, 4: Rust, Java, C# and C/C++ imports, 5: `t.TYPE_CHECKING` and its `else:`). */
export const QUERY_VERSION = 5;
