"""A correct adapter that lies on purpose: it proxies to the reference adapter and alters one
stage of chosen cases, so a run diverges exactly there.

    python3 tamper.py REFERENCE_BIN STAGE=ID[,STAGE=ID...]

e.g. `signature=v4/get-vanilla/header` flips the last character of that case's signature (and of
the Authorization header, which carries it).
"""
import json, subprocess, sys

reference = subprocess.Popen([sys.argv[1], "adapter"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
tamper = {}
for item in (sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[2] else []):
    stage, case = item.split("=", 1)
    tamper[case] = stage


def flip(text):
    return text[:-1] + ("0" if text[-1:] != "0" else "1")


for line in sys.stdin:
    reference.stdin.write(line)
    reference.stdin.flush()
    answer = json.loads(reference.stdout.readline())
    stage = tamper.get(answer.get("id"))
    if stage == "signature":
        old = answer["signature"]
        answer["signature"] = flip(old)
        for final in ("authorization", "presigned_url", "signed_request"):
            if final in answer:
                answer[final] = answer[final].replace(old, answer["signature"])
    elif stage and stage in answer:
        answer[stage] = flip(answer[stage])
    print(json.dumps(answer), flush=True)
