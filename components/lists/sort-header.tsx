"use client";
import { Th } from "@/components/ui/table";

export interface SortState<F extends string> {
  sort: F;
  order: "asc" | "desc";
}

/** A column header that sorts on the server: first click ascending, second descending. */
export function SortHeader<F extends string>({
  field,
  label,
  state,
  onChange,
}: {
  field: F;
  label: string;
  state: SortState<F>;
  onChange: (s: SortState<F>) => void;
}) {
  const active = state.sort === field;
  return (
    <Th aria-sort={active ? (state.order === "asc" ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        className="inline-flex items-center gap-1 uppercase hover:text-zinc-900 dark:hover:text-zinc-100"
        onClick={() =>
          onChange({ sort: field, order: active && state.order === "asc" ? "desc" : "asc" })
        }
      >
        {label}
        <span aria-hidden className={active ? "" : "opacity-30"}>
          {active && state.order === "desc" ? "▼" : "▲"}
        </span>
      </button>
    </Th>
  );
}
