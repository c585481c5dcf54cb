import { publicProcedure, router } from "./trpc";

/** The admin console's API. Procedures land with the admin console issue. */
export const appRouter = router({
  health: publicProcedure.query(async ({ ctx }) => {
    await ctx.platform.sql`select 1`;
    return { ok: true as const, database: ctx.platform.dbKind };
  }),
});

export type AppRouter = typeof appRouter;
