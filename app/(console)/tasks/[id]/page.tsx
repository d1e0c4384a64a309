import { TaskDetail } from "@/components/tasks/task-detail";

/** A task's live view: /tasks/<id> (the wizard's Deploy step opens it). */
export default async function TaskPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <TaskDetail id={id} />;
}
