/** next-auth configuration: email + password (credentials), JWT sessions carrying the user id. */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "../db/client";
import { authSecret } from "./secret";
import { authorizeSignIn, clientAddress } from "./signInThrottle";

export function authOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
    pages: { signIn: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        // Throttled per email + client address against password guessing (signInThrottle.ts).
        async authorize(credentials, req) {
          const user = await authorizeSignIn(await getDb(), credentials?.email, credentials?.password, clientAddress(req?.headers));
          return user ? { id: user.id, email: user.email, name: user.name } : null;
        },
      }),
    ],
    callbacks: {
      // Only the id goes into the token: role and existence are re-read from the database on
      // every request (server/auth/currentUser.ts), so role changes take effect at once.
      jwt({ token, user }) {
        if (user) token.uid = user.id;
        return token;
      },
      session({ session, token }) {
        return { ...session, uid: typeof token.uid === "string" ? token.uid : null };
      },
    },
  };
}
