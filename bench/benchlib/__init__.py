# SPDX-License-Identifier: MIT
# __init__.py - benchmark helpers for bench/run
