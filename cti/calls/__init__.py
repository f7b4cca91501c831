"""Call control: dial, hold, transfer, conference, hang-up and DTMF on an agent's own calls."""
