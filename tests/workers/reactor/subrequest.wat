;; Reactor subrequest: makes COUNT subrequests (binding, decimal; default 1) and answers
;; one line per attempt: the subresponse body, or "error: <message>". The response
;; status is the last subrequest's status, or 502 when it failed.
(module
  (import "dispatch_emu" "read" (func $read (param i32 i32 i32) (result i32)))
  (import "dispatch_emu" "binding" (func $binding (param i32 i32 i32 i32) (result i32)))
  (import "dispatch_emu" "subrequest" (func $sub (param i32 i32) (result i32)))
  (import "dispatch_emu" "response_head" (func $head (param i32 i32 i32)))
  (import "dispatch_emu" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "content-type: text/plain\n")                                ;; 25 bytes
  (data (i32.const 32) "COUNT")                                                   ;; 5 bytes
  (data (i32.const 40) "error: ")                                                 ;; 7 bytes
  (data (i32.const 48) "\n")                                                      ;; 1 byte
  (data (i32.const 64) "POST https://upstream.example/ping\nx-from: reactor\n\nping")  ;; 56 bytes
  (func (export "fetch")
    (local $count i32) (local $n i32) (local $i i32) (local $status i32)
    ;; COUNT: decimal digits at 1024
    (local.set $count (i32.const 1))
    (local.set $n (call $binding (i32.const 32) (i32.const 5) (i32.const 1024) (i32.const 16)))
    (if (i32.gt_s (local.get $n) (i32.const 0))
      (then
        (local.set $count (i32.const 0))
        (loop $digits
          (local.set $count (i32.add (i32.mul (local.get $count) (i32.const 10))
            (i32.sub (i32.load8_u (i32.add (i32.const 1024) (local.get $i))) (i32.const 48))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $digits (i32.lt_s (local.get $i) (local.get $n))))))
    (local.set $i (i32.const 0))
    (block $done
      (loop $again
        (br_if $done (i32.ge_s (local.get $i) (local.get $count)))
        (local.set $status (call $sub (i32.const 64) (i32.const 56)))
        (if (i32.ge_s (local.get $status) (i32.const 100))
          (then (local.set $n (call $read (i32.const 6) (i32.const 4096) (i32.const 60000))))
          (else
            (call $write (i32.const 40) (i32.const 7))
            (local.set $n (call $read (i32.const 7) (i32.const 4096) (i32.const 60000)))))
        (call $write (i32.const 4096) (select (local.get $n) (i32.const 60000) (i32.lt_u (local.get $n) (i32.const 60000))))
        (call $write (i32.const 48) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (call $head (select (local.get $status) (i32.const 502) (i32.ge_s (local.get $status) (i32.const 100)))
                (i32.const 0) (i32.const 25))))
