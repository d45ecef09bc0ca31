/** `npm run bench -- [--quick] [--only=row,row]`. */
import { ROW_IDS, type RowId } from './figures.ts';

export interface Arguments {
  quick: boolean;
  only: RowId[];
  help: boolean;
}

export const USAGE = `usage: npm run bench [-- --quick] [-- --only=${ROW_IDS.join(',')}]`;

/** Throws on an unknown argument or row name, so a typo never silently runs (or skips) rows. */
export function parseArguments(argv: readonly string[]): Arguments {
  let quick = false;
  let help = false;
  let only: RowId[] = [...ROW_IDS];
  for (const argument of argv) {
    if (argument === '--quick') quick = true;
    else if (argument === '--help' || argument === '-h') help = true;
    else if (argument.startsWith('--only=')) {
      const names = argument.slice('--only='.length).split(',').map((name) => name.trim()).filter(Boolean);
      const unknown = names.filter((name) => !ROW_IDS.includes(name as RowId));
      if (unknown.length > 0 || names.length === 0) throw new Error(`--only takes rows among ${ROW_IDS.join(', ')}; got ${argument}`);
      // Rows always run in the table's order, whatever order they were named in.
      only = ROW_IDS.filter((id) => names.includes(id));
    } else throw new Error(`unknown argument ${argument}. ${USAGE}`);
  }
  return { quick, only, help };
}
