"""Benchmarks of fablab, run by ``make bench`` (``python -m bench``); never part of the tests.

Every figure is measured twice in the same run — on a database holding a lab's history
and on the same lab with no booking — and against a trivial request, so the ratios hold
on a noisy machine; the absolute milliseconds are printed beside them.
"""
