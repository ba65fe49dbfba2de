;; Hostile WAGI: asks the time forever; each iteration is a host call and a few
;; instructions, so fuel alone would let it run for seconds.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $now (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever
      (drop (call $now (i32.const 1) (i64.const 1) (i32.const 0)))
      (br $forever))))
