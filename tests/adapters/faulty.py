"""A protocol v1 adapter that misbehaves on purpose, for tests/adapter_faults.rs.

    python3 faulty.py REFERENCE_BINARY FAULT TRIGGER_ID [ARG]

It proxies every line to `REFERENCE_BINARY adapter` (the reference signer, one request at a time),
so it is correct, except for ONE fault, on the sign request whose id is TRIGGER_ID:
  crash       raise an exception (traceback on stderr, exit status 1)
  hang        sleep forever
  not-json    write a line that is not JSON
  wrong-id    answer with another id
  oversized   write a 1 MiB line
  crash-once  crash only if the file ARG does not exist yet (and create it)
Faults that do not depend on a case (TRIGGER_ID is ignored, pass "-"):
  hello-hang  never answer the handshake
  protocol-2  answer the handshake with protocol 2
  exit-after  exit (status 0) right after the handshake plus ARG answers, every time
  chatty      write megabytes to stderr, continuously, while answering correctly
  reverse     buffer up to 4 requests and answer them in reverse order
"""
import json, os, select, subprocess, sys, threading, time

reference, fault, trigger = sys.argv[1], sys.argv[2], sys.argv[3]
arg = sys.argv[4] if len(sys.argv) > 4 else None
signer = subprocess.Popen([reference, "adapter"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
buffered = b""


def lines():  # our own line splitting over fd 0, so that select() sees everything unread
    global buffered
    while True:
        while b"\n" not in buffered:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                return
            buffered += chunk
        line, buffered = buffered.split(b"\n", 1)
        yield line


def more_input_soon():
    return b"\n" in buffered or bool(select.select([0], [], [], 0.05)[0])


def reference_answer(line):
    signer.stdin.write(line + b"\n")
    signer.stdin.flush()
    return json.loads(signer.stdout.readline())


def write(message):
    sys.stdout.buffer.write(message if isinstance(message, bytes) else json.dumps(message).encode())
    sys.stdout.buffer.write(b"\n")
    sys.stdout.buffer.flush()


def chatter(total):  # os.write: whole 64 KiB writes, safe from two threads at once
    for _ in range(total >> 16):
        os.write(2, b"chatty adapter: " + b"x" * ((1 << 16) - 17) + b"\n")


if fault == "chatty":
    threading.Thread(target=chatter, args=(32 << 20,), daemon=True).start()
answered, pending = 0, []
for line in lines():
    message = json.loads(line)
    if message["type"] == "hello":
        if fault == "hello-hang":
            sys.stderr.write("faulty adapter: not answering the handshake\n")
            sys.stderr.flush()
            time.sleep(3600)
        reply = reference_answer(line)
        if fault == "protocol-2":
            reply["protocol"] = 2
        write(reply)
    elif message["id"] == trigger and fault in ("crash", "crash-once"):
        if fault == "crash" or not os.path.exists(arg):
            if fault == "crash-once":
                open(arg, "w").close()
            raise RuntimeError("deliberate crash on " + trigger)
        write(reference_answer(line))
    elif message["id"] == trigger and fault == "hang":
        sys.stderr.write("faulty adapter: hanging on " + trigger + "\n")
        sys.stderr.flush()
        time.sleep(3600)
    elif message["id"] == trigger and fault == "not-json":
        sys.stderr.write("faulty adapter: writing garbage for " + trigger + "\n")
        sys.stderr.flush()
        write(b"this is not JSON {")
    elif message["id"] == trigger and fault == "wrong-id":
        write(dict(reference_answer(line), id=trigger + "-wrong"))
    elif message["id"] == trigger and fault == "oversized":
        write(json.dumps({"type": "result", "id": trigger, "signature": "a" * (1 << 20)}).encode())
    elif fault == "chatty":
        chatter(1 << 20)  # synchronously: this blocks unless the runner drains stderr
        write(reference_answer(line))
    elif fault == "reverse":
        pending.append(reference_answer(line))
        if len(pending) >= 4 or not more_input_soon():
            for answer in reversed(pending):
                write(answer)
            pending = []
    else:
        write(reference_answer(line))
    answered += message["type"] == "sign"
    if fault == "exit-after" and answered >= int(arg):
        sys.stderr.write(f"faulty adapter: exiting after {answered} answers\n")
        sys.exit(0)
for answer in reversed(pending):  # stdin closed with answers still held back
    write(answer)
