;; Hostile reactor: one table.grow by 500 M elements (4 GB of table); answers 200 if it
;; succeeded, else logs and traps.
(module
  (import "dispatch_emu" "log" (func $log (param i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (table $t (export "table") 1 funcref)
  (data (i32.const 0) "table.grow refused")  ;; 18 bytes
  (data (i32.const 32) "grown\n")  ;; 6 bytes
  (func (export "fetch")
    (if (i32.eq (table.grow $t (ref.null func) (i32.const 500000000)) (i32.const -1))
      (then (call $log (i32.const 0) (i32.const 18)) unreachable))
    (call $write (i32.const 32) (i32.const 6))))
