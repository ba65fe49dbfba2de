;; Reactor echo: answers method, url, headers, body, cf and the binding named by the
;; x-binding request header, as six sections separated by "\n--\n".
(module
  (import "dispatch_emu" "read" (func $read (param i32 i32 i32) (result i32)))
  (import "dispatch_emu" "header" (func $header (param i32 i32 i32 i32) (result i32)))
  (import "dispatch_emu" "binding" (func $binding (param i32 i32 i32 i32) (result i32)))
  (import "dispatch_emu" "response_head" (func $head (param i32 i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "content-type: text/plain\nx-echo: reactor\n")  ;; 41 bytes
  (data (i32.const 64) "\n--\n")                                    ;; 4 bytes
  (data (i32.const 72) "(none)")                                    ;; 6 bytes
  (data (i32.const 80) "x-binding")                                 ;; 9 bytes
  ;; write a value of length $n found at 4096 (or "(none)" when $n < 0), then a separator
  (func $emit (param $n i32) (param $last i32)
    (if (i32.lt_s (local.get $n) (i32.const 0))
      (then (call $write (i32.const 72) (i32.const 6)))
      (else (call $write (i32.const 4096)
              (select (local.get $n) (i32.const 120000) (i32.lt_u (local.get $n) (i32.const 120000))))))
    (if (i32.eqz (local.get $last)) (then (call $write (i32.const 64) (i32.const 4)))))
  (func (export "fetch")
    (local $n i32)
    (call $head (i32.const 200) (i32.const 0) (i32.const 41))
    (call $emit (call $read (i32.const 0) (i32.const 4096) (i32.const 120000)) (i32.const 0))
    (call $emit (call $read (i32.const 1) (i32.const 4096) (i32.const 120000)) (i32.const 0))
    (call $emit (call $read (i32.const 2) (i32.const 4096) (i32.const 120000)) (i32.const 0))
    (call $emit (call $read (i32.const 3) (i32.const 4096) (i32.const 120000)) (i32.const 0))
    (call $emit (call $read (i32.const 4) (i32.const 4096) (i32.const 120000)) (i32.const 0))
    ;; the binding name goes to 1024, its value to 4096
    (local.set $n (call $header (i32.const 80) (i32.const 9) (i32.const 1024) (i32.const 256)))
    (if (i32.lt_s (local.get $n) (i32.const 0))
      (then (call $emit (i32.const -1) (i32.const 1)))
      (else (call $emit (call $binding (i32.const 1024) (local.get $n) (i32.const 4096) (i32.const 120000))
                        (i32.const 1))))))
