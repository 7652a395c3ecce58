"""Predictive pacing as a function, and on the campaign model against progressive dialling."""
from __future__ import annotations

import logging

import pytest

from telephonist.bench.dialer_model import simulate
from telephonist.dialer.predictive import PredictiveInputs, budget, decide


def _inputs(**kw) -> PredictiveInputs:
    base = dict(campaign="c", ready_agents=10, busy_agents=0, on_way=0, answer_rate=0.25, connect_s=12.0,
                handle_s=120.0, max_dials=200)
    return PredictiveInputs(**{**base, **kw})


def test_it_dials_ahead_within_the_budget_and_logs_why(caplog):
    caplog.set_level(logging.INFO, logger="telephonist.dialer")
    d = decide(_inputs())
    assert d.dials > 10                                   # more than one per ready agent: a quarter answer
    assert d.expected_abandon <= d.budget == 0.024
    assert "event=dialer_predictive campaign=c ready=10" in caplog.text and f"dials={d.dials}" in caplog.text


def test_calls_on_their_way_and_busy_agents_count():
    alone = decide(_inputs()).dials
    assert decide(_inputs(on_way=20)).dials < alone
    assert decide(_inputs(ready_agents=0, busy_agents=40, connect_s=30, handle_s=60)).dials > 0
    assert decide(_inputs(max_dials=3)).dials == 3


def test_at_the_limit_it_dials_no_more_than_progressive():
    assert budget(_inputs(abandon_today=0.031)) == 0.0
    assert budget(_inputs(abandon_30d=0.027)) < budget(_inputs(abandon_30d=0.01)) == 0.024
    d = decide(_inputs(abandon_today=0.031, on_way=3))
    assert d.dials == 10 - 3


@pytest.mark.long
def test_on_the_model_it_keeps_agents_busier_than_progressive_within_3_percent():
    pred = simulate("predictive", seed=7, hours=1.0)
    prog = simulate("progressive", seed=7, hours=1.0)
    assert pred["abandon_rate"] <= 0.03
    assert pred["occupancy"] > prog["occupancy"] + 0.05         # the first hour: the rates are still being learnt
    assert prog["abandon_rate"] == 0.0
