"""The weekly strikes-and-ballots email, read top to bottom as it goes from the tick to each
subscriber:

- schedule.py: when each CLP's email is due; the tick's due_digests makes the week's digest.
- tasks.py: send_digest, the one task, which the tick enqueues per due digest.
- sending.py: prepare (render once, one delivery per subscriber), then claim deliveries in
  batches, hand them to the email service, mark them sent; pause or stop when it fails.
- selectors.py: what the email says, from the records; how a send went (figures, outcomes).
- render.py: the email rendered once per CLP and each recipient's copy made from it.
- services.py: the TULO's actions (note, hold, release, send now, resume, schedule).
- views.py, forms.py: the TULO's weekly page and each digest's progress.
"""
