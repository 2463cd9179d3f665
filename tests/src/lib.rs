//! Kernel-behaviour regression scenarios: harness and scenarios.
