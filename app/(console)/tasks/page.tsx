import { Suspense } from "react";
import { TaskList } from "@/components/tasks/task-list";

export default function TasksPage() {
  return (
    <Suspense>
      <TaskList />
    </Suspense>
  );
}
