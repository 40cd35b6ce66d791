#!/usr/bin/python3
"""Makes data/photos: a folder as a user keeps one, for the demo and the README.

JPEG photos in subfolders (public-domain clip art from Debian's openclipart-png, flattened on white and scaled to
at most 320 pixels), a voice note beside each (its caption spoken by espeak-ng, MP3 through ffmpeg's libmp3lame),
a captions.csv, and in data/photo-cues the cues of the demo and the README: a voice note in another voice, the top
half of a photo (paraphrases.csv there is written by hand).

Needs /usr/bin/python3 with PIL (python3-pil), espeak-ng and ffmpeg. Run from the repository root:
    /usr/bin/python3 data/photos/make_photos.py
"""
import csv
import os
import subprocess
import tempfile

from PIL import Image

SOURCE = "/usr/share/openclipart/png"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)))
CUES = os.path.join(os.path.dirname(OUT), "photo-cues")

# (openclipart category, its Title chunk): the caption is the title as openclipart gives it.
CHOSEN = [
    ("animals", "Emperor Penguin"), ("animals", "dragon head"), ("animals", "sailor monkey"),
    ("food", "Bowl of Steaming Soup"), ("food", "French Fries"), ("food", "Cake and candle"),
    ("food", "Candied Apples"), ("food", "Apple With Worm"),
    ("buildings", "Eiffel Tower"), ("buildings", "Water Tower"), ("buildings", "Grain Elevator"), ("buildings", "School Hallway"),
    ("transportation", "Big truck"), ("transportation", "Man Driving Car"), ("transportation", "Trip to the Beach"),
    ("plants", "Sunflower Against Blue Sky"), ("plants", "Tulips in Bloom"), ("plants", "Fall Coloured Tree"),
    ("recreation", "Sand Castle"), ("recreation", "SCUBA Tank"),
    ("tools", "Blacksmith Hammer"), ("tools", "Blue Vacuum Cleaner"), ("tools", "digital camera"),
    ("office", "Desk Lamp"), ("office", "Ballpoint Pen"),
    ("people", "A boy plays soccer"), ("people", "A man singing"),
]

# The README's partial photo: the top half of a stored photo, cropped off as a user might.
PARTIAL = ("animals/emperor-penguin.jpg", "penguin-top.jpg")

# The demo's voice note: a caption in words of its own, in a voice no stored note was spoken in.
VOICE_NOTE = ("sunflower-note.mp3", "a sunflower under a blue sky", "en-gb+f2")


def find(category, title):
    folder = os.path.join(SOURCE, category)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".png"):
            with Image.open(os.path.join(folder, name)) as image:
                if image.info.get("Title", "").strip() == title:
                    return os.path.join(folder, name)
    raise SystemExit(f"no {category} image titled {title!r} in {SOURCE}")


def speak(text, voice, mp3):
    with tempfile.TemporaryDirectory() as scratch:
        wav = os.path.join(scratch, "note.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-w", wav, text], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", wav, "-ac", "1", "-ar", "16000", "-codec:a", "libmp3lame", "-b:a", "32k",
                        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact", mp3], check=True)


def slug(title):
    return "-".join(title.lower().split())


def main():
    rows = []
    for category, title in CHOSEN:
        folder = os.path.join(OUT, category)
        os.makedirs(folder, exist_ok=True)
        name = slug(title)
        with Image.open(find(category, title)) as image:
            rgba = image.convert("RGBA")
            rgba.thumbnail((320, 320))
            photo = Image.new("RGB", rgba.size, (255, 255, 255))
            photo.paste(rgba, mask=rgba.split()[3])
            exif = Image.Exif()
            exif[0x010E] = title  # ImageDescription
            photo.save(os.path.join(folder, name + ".jpg"), quality=85, exif=exif)
        speak(title, "en-us", os.path.join(folder, name + ".mp3"))
        rows.append((f"{category}/{name}.jpg", title))

    with open(os.path.join(OUT, "captions.csv"), "w", newline="") as table:
        writer = csv.writer(table)
        writer.writerow(["file", "caption"])
        writer.writerows(rows)

    os.makedirs(CUES, exist_ok=True)
    speak(VOICE_NOTE[1], VOICE_NOTE[2], os.path.join(CUES, VOICE_NOTE[0]))
    crop_top(os.path.join(OUT, PARTIAL[0]), os.path.join(CUES, PARTIAL[1]))


def crop_top(photo, out):
    with Image.open(photo) as image:
        width, height = image.size
        image.crop((0, 0, width, height // 2)).save(out, quality=85)


if __name__ == "__main__":
    main()
