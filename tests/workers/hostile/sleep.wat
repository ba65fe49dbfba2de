;; Hostile WAGI: sleeps 30 s in poll_oneoff (C sleep(30)), then answers 200.
;; The wall limit must cut the sleep at the deadline.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; one subscription at 0 (48 bytes): userdata 0, tag 0 (clock), clock id 1 (monotonic),
  ;; timeout 30e9 ns (relative), precision 0, flags 0
  (data (i32.const 16) "\01\00\00\00")                       ;; 4 bytes
  (data (i32.const 24) "\00\ac\23\fc\06\00\00\00")           ;; 8 bytes
  (data (i32.const 200) "Content-Type: text/plain\n\nwoke\n")  ;; 31 bytes
  (func (export "_start")
    (drop (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 180)))
    ;; iovec at 300: (200, 31)
    (i32.store (i32.const 300) (i32.const 200))
    (i32.store (i32.const 304) (i32.const 31))
    (drop (call $write (i32.const 1) (i32.const 300) (i32.const 1) (i32.const 320)))))
