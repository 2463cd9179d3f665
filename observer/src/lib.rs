//! bindscope: the library behind the `bindscope` command.
