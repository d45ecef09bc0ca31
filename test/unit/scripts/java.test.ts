/**
 * The Java check before DynamoDB Local starts (scripts/local/java.ts): a machine without Java 17+
 * is told what to install, or to use DYNAMODB_ENDPOINT, before anything is started.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JavaMissingError, javaMajorVersion, requireJava } from '../../../scripts/local/java.ts';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A PATH holding only a `java` that prints `versionLine` the way java -version does (on stderr). */
function pathWithJava(versionLine: string | undefined): string {
  const folder = mkdtempSync(join(tmpdir(), 'java-check-'));
  folders.push(folder);
  if (versionLine !== undefined) {
    const script = join(folder, 'java');
    writeFileSync(script, `#!/bin/sh\necho '${versionLine}' 1>&2\n`);
    chmodSync(script, 0o755);
  }
  return folder;
}

describe('javaMajorVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "22.0.1" 2024-04-16', 22],
    ['openjdk version "11.0.22" 2024-01-16', 11],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "17-ea" 2021-03-16', 17],
  ])('reads %s as %i', (line, major) => {
    expect(javaMajorVersion(line)).toBe(major);
  });

  it('is undefined for text that names no version', () => {
    expect(javaMajorVersion('Picked up JAVA_TOOL_OPTIONS: -Xmx1g')).toBeUndefined();
  });
});

describe('requireJava', () => {
  it('passes with Java 17 or later', () => {
    expect(() => requireJava({ PATH: pathWithJava('openjdk version "17.0.15" 2025-04-15') })).not.toThrow();
    expect(() => requireJava({ PATH: pathWithJava('openjdk version "25" 2025-09-16') })).not.toThrow();
  });

  it('names what to install on each common system, and DYNAMODB_ENDPOINT, when there is no java', () => {
    const check = () => requireJava({ PATH: pathWithJava(undefined) });
    expect(check).toThrow(JavaMissingError);
    expect(check).toThrow(/Java was not found/);
    expect(check).toThrow(/apt-get install openjdk-17-jre-headless/);
    expect(check).toThrow(/dnf install java-17-openjdk-headless/);
    expect(check).toThrow(/brew install openjdk@17/);
    expect(check).toThrow(/winget install Microsoft\.OpenJDK\.17/);
    expect(check).toThrow(/DYNAMODB_ENDPOINT/);
  });

  it('refuses an older Java, saying which was found', () => {
    expect(() => requireJava({ PATH: pathWithJava('openjdk version "11.0.22" 2024-01-16') })).toThrow(/Java 11 was found\.\nDynamoDB Local needs Java 17 or later/);
    expect(() => requireJava({ PATH: pathWithJava('java version "1.8.0_392"') })).toThrow(/Java 8 was found/);
  });

  it('refuses a java that does not say its version', () => {
    expect(() => requireJava({ PATH: pathWithJava('hello') })).toThrow(/did not say which version it is: hello/);
  });
});
