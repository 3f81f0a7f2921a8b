//! Charts drawn as hand-written SVG (no chart library, nothing from a CDN): the API Logs
//! dashboard's requests/errors over time, latency percentiles and status classes.
//!
//! The geometry (ticks, scales, time axes, donut slices, labels) is in `shared::charts`, tested
//! on the host; this module only lays the shapes out. Each chart is one `role="img"` with an
//! `aria-label` that says what it shows in words, and every bar, slice or point carries a
//! `<title>` (the browser's tooltip, and what a screen reader reads when exploring it). A chart
//! is drawn at the pixel width of its container (measured, and again on resize), so its text
//! stays the size of the page's text at 1280 px and at 390 px alike.

use leptos::prelude::*;
use shared::charts::{self as geo, BandScale, LinearScale};

use crate::queries::{LatencyPercentiles, SeriesPoint, StatusClassCount};

/// Seconds east of UTC on the viewer's clock at `secs` (what the browser's `Date` says).
pub fn utc_offset_at(secs: i64) -> i64 {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs as f64 * 1_000.0));
    -(date.get_timezone_offset() as i64) * 60
}

/// The viewer's clock now, seconds since the epoch.
pub fn now_secs() -> i64 {
    (js_sys::Date::now() / 1_000.0) as i64
}

/// The width in pixels of the element behind `node`, kept up to date on window resizes.
pub fn use_width(node: NodeRef<leptos::html::Div>, initial: f64) -> ReadSignal<f64> {
    let width = RwSignal::new(initial);
    let measure = move || {
        if let Some(el) = node.get_untracked() {
            let w = f64::from(el.client_width());
            if w > 0.0 && (w - width.get_untracked()).abs() >= 1.0 {
                width.set(w);
            }
        }
    };
    Effect::new(move |_| {
        if node.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    width.read_only()
}

/// The colour of a status class (`2xx` …), as a CSS class of the stylesheet.
pub fn status_class_css(class: &str) -> &'static str {
    match class.as_bytes().first() {
        Some(b'2') => "c2xx",
        Some(b'3') => "c3xx",
        Some(b'4') => "c4xx",
        Some(b'5') => "c5xx",
        _ => "c1xx",
    }
}

const FONT: f64 = 12.0;

/// Requests (and among them errors, status ≥ 500) per bucket of the series, as stacked bars.
#[component]
pub fn RequestsChart(
    series: Vec<SeriesPoint>,
    bucket_seconds: i64,
    /// The range, seconds since the epoch.
    from: i64,
    to: i64,
    /// Called with a bucket's `[start, end)` when its bar is clicked (zoom in).
    on_select: Callback<(i64, i64)>,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    let width = use_width(node, 640.0);
    let total: i64 = series.iter().map(|p| p.requests).sum();
    let errors: i64 = series.iter().map(|p| p.errors).sum();
    let points: Vec<(i64, i64, i64)> = series
        .iter()
        .filter_map(|p| Some((geo::parse_rfc3339(&p.bucket_start)?, p.requests, p.errors)))
        .collect();
    let offset = utc_offset_at(to);
    let label = format!(
        "Requests and errors over time, {} to {}: {} requests, {} errors, in {} buckets of {}.",
        geo::date_time_label(from, offset),
        geo::date_time_label(to, offset),
        shared::forms::thousands(total),
        shared::forms::thousands(errors),
        points.len(),
        bucket_name(bucket_seconds),
    );

    let draw = move || {
        let w = width.get().max(280.0);
        let h = if w < 500.0 { 200.0 } else { 240.0 };
        let (left, right, top, bottom) = (44.0, 10.0, 10.0, 26.0);
        let max = points.iter().map(|p| p.1).max().unwrap_or(0) as f64;
        let ticks = geo::nice_ticks(max, if h < 220.0 { 4 } else { 5 }, true);
        let y = LinearScale::new((0.0, ticks.max), (h - bottom, top));
        // Bars sit in their bucket's slot on a time axis from the first bucket to the range's end.
        let start = points.first().map_or(from, |p| p.0);
        let end = points
            .last()
            .map_or(to, |p| p.0 + bucket_seconds)
            .max(start + 1);
        let x = LinearScale::new((start as f64, end as f64), (left, w - right));
        let band = BandScale::new(points.len(), (left, w - right), 0.22);
        let max_ticks = ((w - left - right) / 70.0).floor().max(2.0) as usize;
        let step = geo::time_step(start, end, max_ticks);
        let time_ticks = geo::time_ticks(start, end, offset, max_ticks);

        let grid = ticks
            .values
            .iter()
            .map(|v| {
                let ty = y.map(*v);
                view! {
                    <line class="grid" x1=left x2=w - right y1=ty y2=ty />
                    <text class="tick" x=left - 6.0 y=ty + FONT / 3.0 text-anchor="end">
                        {geo::compact_count(*v)}
                    </text>
                }
            })
            .collect_view();
        let x_axis = time_ticks
            .iter()
            .map(|t| {
                let tx = x.map(*t as f64);
                view! {
                    <line class="axis" x1=tx x2=tx y1=h - bottom y2=h - bottom + 4.0 />
                    <text class="tick" x=tx y=h - bottom + 17.0 text-anchor="middle">
                        {geo::time_tick_label(*t, offset, step)}
                    </text>
                }
            })
            .collect_view();
        let bars = points
            .iter()
            .enumerate()
            .map(|(i, (t, requests, errors))| {
                let bx = band.x(i);
                let bw = band.bandwidth.max(1.0);
                let y_total = y.map(*requests as f64);
                let y_err = y.map(*errors as f64);
                let title = format!(
                    "{}: {} requests, {} errors (click to zoom in)",
                    geo::bucket_label(*t, bucket_seconds, utc_offset_at(*t)),
                    shared::forms::thousands(*requests),
                    shared::forms::thousands(*errors)
                );
                let bucket = (*t, *t + bucket_seconds);
                view! {
                    <g class="bar-group" on:click=move |_| on_select.run(bucket)>
                        <title>{title}</title>
                        <rect class="hit" x=band.start + i as f64 * band.step y=top width=band.step height=h - bottom - top />
                        <rect class="bar requests" x=bx y=y_total width=bw height=(h - bottom - y_total).max(0.0) rx=1.5 />
                        <rect class="bar errors" x=bx y=y_err width=bw height=(h - bottom - y_err).max(0.0) rx=1.5 />
                    </g>
                }
            })
            .collect_view();
        view! {
            <svg
                class="chart"
                width=w
                height=h
                viewBox=format!("0 0 {w} {h}")
                role="img"
                aria-label=label.clone()
            >
                {grid}
                <line class="axis" x1=left x2=w - right y1=h - bottom y2=h - bottom />
                {x_axis}
                {bars}
            </svg>
        }
    };

    view! {
        <div class="chart-box" node_ref=node>
            {draw}
        </div>
        <ul class="legend" aria-hidden="true">
            <li><span class="swatch requests"></span>"Requests"</li>
            <li><span class="swatch errors"></span>"Errors (5xx)"</li>
        </ul>
    }
}

fn bucket_name(secs: i64) -> String {
    match secs {
        86_400 => "a day".to_string(),
        3_600 => "an hour".to_string(),
        s if s % 3_600 == 0 => format!("{} hours", s / 3_600),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

/// p50, p95 and p99 of the response time as horizontal bars on a millisecond axis.
#[component]
pub fn LatencyChart(latency: LatencyPercentiles) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    let width = use_width(node, 320.0);
    let rows = [
        ("p50", "Median (p50)", latency.p50_us),
        ("p95", "95th percentile (p95)", latency.p95_us),
        ("p99", "99th percentile (p99)", latency.p99_us),
    ];
    let words = rows
        .iter()
        .map(|(short, _, v)| format!("{short} {}", v.map_or("none".to_string(), geo::duration_us)))
        .collect::<Vec<_>>()
        .join(", ");
    let label = format!("Response time percentiles: {words}.");
    let draw = move || {
        let w = width.get().max(240.0);
        let (left, right, top, bottom) = (40.0, 64.0, 6.0, 24.0);
        let row_h = 34.0;
        let h = top + row_h * rows.len() as f64 + bottom;
        let max = rows.iter().filter_map(|r| r.2).max().unwrap_or(0) as f64;
        let ticks = geo::nice_ticks(max, if w < 360.0 { 3 } else { 4 }, false);
        let x = LinearScale::new((0.0, ticks.max), (left, w - right));
        let axis_y = h - bottom;
        let grid = ticks
            .values
            .iter()
            .map(|v| {
                let tx = x.map(*v);
                view! {
                    <line class="grid" x1=tx x2=tx y1=top y2=axis_y />
                    <text class="tick" x=tx y=axis_y + 16.0 text-anchor="middle">{geo::ms_tick(*v)}</text>
                }
            })
            .collect_view();
        let bars = rows
            .iter()
            .enumerate()
            .map(|(i, (short, long, value))| {
                let cy = top + row_h * (i as f64 + 0.5);
                let v = value.unwrap_or(0) as f64;
                let text = value.map_or("—".to_string(), geo::duration_us);
                let title = format!("{long}: {text}");
                view! {
                    <g>
                        <title>{title}</title>
                        <text class="row-label" x=left - 8.0 y=cy + FONT / 3.0 text-anchor="end">{*short}</text>
                        <rect class=format!("bar {short}") x=left y=cy - 10.0 width=(x.map(v) - left).max(0.0) height=20.0 rx=3.0 />
                        <text class="value" x=x.map(v) + 6.0 y=cy + FONT / 3.0>{text}</text>
                    </g>
                }
            })
            .collect_view();
        view! {
            <svg class="chart" width=w height=h viewBox=format!("0 0 {w} {h}") role="img" aria-label=label.clone()>
                {grid}
                <line class="axis" x1=left x2=left y1=top y2=axis_y />
                {bars}
                <text class="tick" x=left - 8.0 y=axis_y + 16.0 text-anchor="end">"ms"</text>
            </svg>
        }
    };
    view! { <div class="chart-box" node_ref=node>{draw}</div> }
}

/// The share of each status class as a donut, with a legend whose entries filter by class.
#[component]
pub fn StatusDonut(
    classes: Vec<StatusClassCount>,
    /// Called with `2xx`, `4xx`, … when a legend entry is chosen.
    on_select: Callback<String>,
) -> impl IntoView {
    let total: i64 = classes.iter().map(|c| c.count).sum();
    let (size, outer, inner) = (168.0, 80.0, 52.0);
    let c = size / 2.0;
    let mut acc = 0.0;
    let slices = classes
        .iter()
        .filter(|k| k.count > 0)
        .map(|k| {
            let frac = k.count as f64 / total.max(1) as f64;
            let d = geo::donut_slice(c, c, outer, inner, acc, acc + frac);
            acc += frac;
            let title = format!(
                "{}: {} requests ({})",
                k.status_class,
                shared::forms::thousands(k.count),
                geo::percent(k.count, total)
            );
            view! {
                <path class=format!("slice {}", status_class_css(&k.status_class)) d=d>
                    <title>{title}</title>
                </path>
            }
        })
        .collect_view();
    let words = classes
        .iter()
        .map(|k| {
            format!(
                "{} {} ({})",
                k.status_class,
                shared::forms::thousands(k.count),
                geo::percent(k.count, total)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let label = format!("Responses by status class: {words}.");
    let legend = classes
        .into_iter()
        .map(|k| {
            let class = k.status_class.clone();
            let pct = geo::percent(k.count, total);
            view! {
                <li>
                    <button
                        type="button"
                        class="legend-button"
                        title=format!("Show only {class} responses")
                        on:click=move |_| on_select.run(class.clone())
                    >
                        <span class=format!("swatch {}", status_class_css(&k.status_class))></span>
                        <span class="legend-name">{k.status_class.clone()}</span>
                        <span class="legend-count">{shared::forms::thousands(k.count)}</span>
                        <span class="legend-pct muted">{pct}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="donut">
            <svg class="chart" width=size height=size viewBox=format!("0 0 {size} {size}") role="img" aria-label=label>
                <circle class="donut-track" cx=c cy=c r=(outer + inner) / 2.0 stroke-width=outer - inner />
                {slices}
                <text class="donut-total" x=c y=c + 2.0 text-anchor="middle">{geo::compact_count(total as f64)}</text>
                <text class="donut-caption" x=c y=c + 20.0 text-anchor="middle">"requests"</text>
            </svg>
            <ul class="donut-legend">{legend}</ul>
        </div>
    }
}
