/** Password hashing with bcrypt (bcryptjs: pure JS, no native build or download). */
import bcrypt from "bcryptjs";

const COST = 11; // ~150 ms per hash on this 2-core CPU: slow for attackers, fine for sign-in.

export const hashPassword = (plain: string) => bcrypt.hash(plain, COST);
export const verifyPassword = (plain: string, hash: string) => bcrypt.compare(plain, hash);
