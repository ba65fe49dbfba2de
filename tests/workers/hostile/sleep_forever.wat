;; Hostile WAGI: poll_oneoff with a u64::MAX relative timeout (it never wakes on its own).
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\01\00\00\00")                       ;; 4 bytes
  (data (i32.const 24) "\ff\ff\ff\ff\ff\ff\ff\ff")           ;; 8 bytes
  (func (export "_start")
    (drop (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 180)))))
