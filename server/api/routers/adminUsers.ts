import { adminProcedure, router } from "../trpc";
import { changeUserRole, changeUserRoleInput } from "../../services/changeUserRole";
import { createUser, createUserInput } from "../../services/createUser";
import { listUsers } from "../../services/listUsers";

export const adminUsersRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),
  create: adminProcedure.input(createUserInput).mutation(({ ctx, input }) => createUser(ctx.db, input, ctx.user.id)),
  setRole: adminProcedure
    .input(changeUserRoleInput)
    .mutation(({ ctx, input }) => changeUserRole(ctx.db, input, ctx.user.id)),
});
