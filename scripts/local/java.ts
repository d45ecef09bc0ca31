/**
 * DynamoDB Local is a Java program: `npm start` and the integration tests need Java 17 or later on
 * the PATH. Checked before anything starts, so a machine without it gets what to install instead of
 * `java: not found` from a child process halfway through.
 */
import { spawnSync } from 'node:child_process';

/** DynamoDB Local 2.x runs on Java 17 and later. */
export const MIN_JAVA_MAJOR = 17;

/** What to install, per common system, and the way around it. */
export const JAVA_INSTALL_HINTS = [
  'Debian / Ubuntu:  sudo apt-get install openjdk-17-jre-headless',
  'Fedora / RHEL:    sudo dnf install java-17-openjdk-headless',
  'macOS (Homebrew): brew install openjdk@17  (then follow its note to put it on the PATH)',
  'Windows:          winget install Microsoft.OpenJDK.17',
  'Or run without Java: set DYNAMODB_ENDPOINT to a DynamoDB you already run (LocalStack, another DynamoDB Local); see docs/local-development.md.',
];

export class JavaMissingError extends Error {
  constructor(problem: string) {
    super(`${problem}\nDynamoDB Local needs Java ${MIN_JAVA_MAJOR} or later on the PATH. Install it:\n  ${JAVA_INSTALL_HINTS.join('\n  ')}`);
    this.name = 'JavaMissingError';
  }
}

/**
 * The major version in `java -version`'s first line: `openjdk version "17.0.15"` is 17, the old
 * scheme `java version "1.8.0_392"` is 8. Undefined when the text names none.
 */
export function javaMajorVersion(versionText: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionText);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** Throws JavaMissingError unless `java` (on `env`'s PATH) is Java MIN_JAVA_MAJOR or later. */
export function requireJava(env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync('java', ['-version'], { env, encoding: 'utf8', timeout: 30_000 });
  if (result.error) {
    throw new JavaMissingError((result.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'Java was not found (no `java` on the PATH).' : `\`java -version\` failed: ${result.error.message}`);
  }
  // `java -version` writes to stderr.
  const text = `${result.stderr}${result.stdout}`;
  const major = javaMajorVersion(text);
  if (major === undefined) throw new JavaMissingError(`\`java -version\` did not say which version it is: ${text.trim().slice(0, 200)}`);
  if (major < MIN_JAVA_MAJOR) throw new JavaMissingError(`Java ${major} was found.`);
}
