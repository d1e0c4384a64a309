import { UserList } from "./_components/user-list";

export default function UsersPage() {
  return <UserList />;
}
