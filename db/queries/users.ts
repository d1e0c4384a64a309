import { asc, count, eq } from "drizzle-orm";
import type { Db } from "../client";
import { user } from "../schema";

export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(user);
  return row?.n ?? 0;
}

export async function listUsers(db: Db) {
  return db
    .select({
      id: user.id,
      name: user.name,
      email: user.email,
      role: user.role,
      createdAt: user.createdAt,
    })
    .from(user)
    .orderBy(asc(user.email))
    .limit(1000);
}

export async function getUser(db: Db, params: { id: string }) {
  const [row] = await db
    .select({ id: user.id, email: user.email, role: user.role })
    .from(user)
    .where(eq(user.id, params.id));
  return row;
}

export async function setUserRole(db: Db, params: { id: string; role: string }): Promise<void> {
  await db.update(user).set({ role: params.role, updatedAt: new Date() }).where(eq(user.id, params.id));
}

export async function deleteUser(db: Db, params: { id: string }): Promise<void> {
  await db.delete(user).where(eq(user.id, params.id));
}
