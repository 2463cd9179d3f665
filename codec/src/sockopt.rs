//! TODO: sockopt
