"""Creates, on a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=3, the IAM user the probe
signs as: the user, an access key, and a policy allowing s3:* (three unauthenticated calls; every
call after them is authenticated). Writes ACCESS_KEY=... and SECRET_KEY=... to the file named by
its second argument (mode 0600); prints nothing of the secret."""
import json
import os
import sys

import boto3

endpoint, out = sys.argv[1], sys.argv[2]
iam = boto3.client(
    "iam",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="bootstrap",
    aws_secret_access_key="bootstrap",
)
iam.create_user(UserName="sigv4-probe")
key = iam.create_access_key(UserName="sigv4-probe")["AccessKey"]
iam.put_user_policy(
    UserName="sigv4-probe",
    PolicyName="s3-all",
    PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    ),
)
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    f.write(f"ACCESS_KEY={key['AccessKeyId']}\nSECRET_KEY={key['SecretAccessKey']}\n")
