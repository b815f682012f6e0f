"""Evaluate synthetic enterprise profiles with the pure rule engine; prints profiles/s (no database).

Usage: python bench/eval_engine.py [--profiles 60000] [--seed 7] [--gaps] [--json]
Each profile is parsed from its JSON-shaped dict, evaluated and rendered to the output dict, which is the work the
district batch does per enterprise; with --gaps the gap analysis of failing profiles is timed as well.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kechuang.evaluation.engine import (  # noqa: E402
    evaluate_hte, evaluate_tsme, hte_gaps, parse_hte_profile, parse_tsme_profile, tsme_gaps,
)


def amount(rng: random.Random, low: float, high: float) -> str:
    """A 万元 amount with 2 decimals, as the decimal string the platform stores."""
    return f"{rng.randint(int(low * 100), int(high * 100)) / 100:.2f}"


def hte_profile(rng: random.Random) -> dict:
    """A plausible district enterprise: sizes and ratios spread around the HTE thresholds."""
    n_years = rng.choice((1, 2, 3, 3, 3, 3))
    base = rng.uniform(300, 40000)
    years = []
    for i in range(n_years):
        sales = base * (1 + rng.uniform(-0.1, 0.35)) ** i
        rd = sales * rng.uniform(0.01, 0.08)
        years.append({
            "year": 2025 - n_years + i,
            "sales": f"{sales:.2f}",
            "rd_expense": f"{rd:.2f}",
            "rd_domestic": f"{rd * rng.uniform(0.4, 1):.2f}",
            "net_assets": amount(rng, -200, base),
        })
    income = float(years[-1]["sales"]) * rng.uniform(1.0, 1.3)
    staff = rng.randint(8, 3000)
    expert = {}
    if rng.random() < 0.5:  # half of the profiles carry a self-assessment of the expert items
        expert = {"advancement": rng.randint(0, 8), "core_support": rng.randint(0, 8),
                  "standards_bonus": rng.randint(0, 2), "rd_org": [rng.randint(0, 6), rng.randint(0, 6),
                                                                   rng.randint(0, 4), rng.randint(0, 4)]}
    return {
        "registration_date": f"{rng.randint(2005, 2022)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if n_years == 3 else f"{2025 - n_years}-{rng.randint(1, 6):02d}-01",
        "application_date": "2025-06-01",
        "staff_total": staff,
        "staff_tech": rng.randint(0, staff // 3),
        "fiscal_years": years,
        "latest_year": {"total_income": f"{income:.2f}", "non_taxable_income": "0",
                        "hitech_income": f"{income * rng.uniform(0.3, 0.95):.2f}"},
        "ip": [{"class": rng.choice(("I", "II", "II", "II")), "acquisition": rng.choice(("self", "self", "transfer")),
                "used_before": rng.random() < 0.2} for _ in range(rng.randint(0, 12))],
        "transformations": rng.randint(0, 20),
        "expert": expert,
        "owns_core_ip": rng.random() < 0.9,
        "in_hitech_domain": rng.random() < 0.9,
        "major_incident_last_year": rng.random() < 0.02,
    }


def tsme_profile(rng: random.Random) -> dict:
    staff = rng.randint(3, 600)
    sales = rng.uniform(50, 25000)
    return {
        "evaluation_date": "2025-07-15",
        "staff_total": staff,
        "staff_tech": rng.randint(0, staff),
        "sales": f"{sales:.2f}",
        "total_assets": amount(rng, 50, 25000),
        "rd_expense": f"{sales * rng.uniform(0, 0.1):.2f}",
        "cost_expense_total": f"{sales * rng.uniform(0.5, 1.1):.2f}",
        "ip": [{"class": rng.choice(("I", "II", "II"))} for _ in range(rng.randint(0, 6))],
        "resident": True, "industry_allowed": rng.random() < 0.95, "clean_record": rng.random() < 0.97,
        "hte_certificate_valid_until": "2026-12-31" if rng.random() < 0.1 else None,
        "provincial_rd_institution": rng.random() < 0.05,
        "national_award_top3_5y": False, "led_standard_5y": rng.random() < 0.03,
    }


def run(kind: str, profiles: list[dict], with_gaps: bool) -> dict:
    parse, evaluate, gaps = ((parse_hte_profile, evaluate_hte, hte_gaps) if kind == "hte"
                             else (parse_tsme_profile, evaluate_tsme, tsme_gaps))
    outcome: Counter = Counter()
    start = time.perf_counter()
    for data in profiles:
        profile = parse(data)
        result = evaluate(profile)
        out = result.to_dict()
        if with_gaps:
            gaps(profile, result)
        outcome[out["verdict"] if kind == "hte" else out["route"]] += 1
    seconds = time.perf_counter() - start
    return {"kind": kind, "profiles": len(profiles), "seconds": round(seconds, 3),
            "profiles_per_s": round(len(profiles) / seconds), "us_per_profile": round(seconds / len(profiles) * 1e6),
            "outcomes": dict(outcome)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profiles", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--gaps", action="store_true", help="also run the gap analysis")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    results = []
    for kind, make in (("hte", hte_profile), ("tsme", tsme_profile)):
        profiles = [make(rng) for _ in range(args.profiles)]
        results.append(run(kind, profiles, args.gaps))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            print(f"{r['kind']:5} {r['profiles']} profiles in {r['seconds']:.2f} s: {r['profiles_per_s']} profiles/s "
                  f"({r['us_per_profile']} µs each){' with gaps' if args.gaps else ''}; {r['outcomes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
