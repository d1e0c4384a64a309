"use client";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";

export function LoadMore({
  hasNextPage,
  isFetching,
  onClick,
}: {
  hasNextPage: boolean;
  isFetching: boolean;
  onClick: () => void;
}) {
  const t = useTranslations("common");
  if (!hasNextPage) return null;
  return (
    <div className="mt-3 flex justify-center">
      <Button variant="secondary" size="sm" onClick={onClick} disabled={isFetching}>
        {isFetching ? t("loading") : t("loadMore")}
      </Button>
    </div>
  );
}
