import "server-only";
import type { Db } from "../../db/client";
import type { SessionUser } from "../auth";

/** What every use case receives: the database and who is acting (for audit and ownership). */
export interface ServiceContext {
  db: Db;
  user: SessionUser;
}
