import { useEffect, useRef } from "react";
import { formatRupiah, shortDay } from "../../lib/admin/format";

/** Settled IDR per day (last 30 days), drawn by chart.js in the browser only. */
export function SettledChart({ days }: { days: { day: string; amount: number; count: number }[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let chart: { destroy(): void } | null = null;
    let cancelled = false;
    void import("chart.js/auto").then(({ default: Chart }) => {
      if (cancelled || !canvas.current) return;
      chart = new Chart(canvas.current, {
        type: "bar",
        data: {
          labels: days.map((d) => shortDay(d.day)),
          datasets: [{ label: "Settled (IDR)", data: days.map((d) => d.amount), backgroundColor: "#0b57d0", borderRadius: 3 }],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (item) => `${formatRupiah(Number(item.raw))} · ${days[item.dataIndex].count} payments` } },
          },
          scales: {
            y: { beginAtZero: true, ticks: { callback: (v) => formatRupiah(Number(v)) } },
            x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 10 } },
          },
        },
      });
      canvas.current.dataset.ready = "true";
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [days]);
  const total = days.reduce((n, d) => n + d.amount, 0);
  return (
    <figure className="a-chart">
      <div className="a-chart-box">
        <canvas ref={canvas} data-testid="settled-chart" role="img" aria-label={`Settled IDR per day, last 30 days: ${formatRupiah(total)} in total`} />
      </div>
      <figcaption>Settled per day (WIB), last 30 days — {formatRupiah(total)} in total</figcaption>
    </figure>
  );
}
